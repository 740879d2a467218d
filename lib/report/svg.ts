import sharp from 'sharp';

/** Small SVG building blocks for report pictures, rendered to PNG by sharp (librsvg). */
export const FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';
export const COLORS = {
	train: '#1d4ed8',
	validation: '#c2410c',
	grid: '#e5e7eb',
	text: '#111827',
	muted: '#6b7280',
	best: '#15803d',
};

export function escapeXml(text: string): string {
	return text.replace(
		/[<>&'"]/g,
		(c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
	);
}

export function text(
	x: number,
	y: number,
	content: string,
	options: {
		size?: number;
		anchor?: 'start' | 'middle' | 'end';
		color?: string;
		weight?: string;
		rotate?: number;
	} = {},
): string {
	const transform = options.rotate ? ` transform="rotate(${options.rotate} ${x} ${y})"` : '';
	return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="${FONT}" font-size="${options.size ?? 14}" text-anchor="${options.anchor ?? 'start'}" fill="${options.color ?? COLORS.text}" font-weight="${options.weight ?? 'normal'}"${transform}>${escapeXml(content)}</text>`;
}

export function svgDocument(width: number, height: number, body: string): string {
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="#ffffff"/>${body}</svg>`;
}

export function toPng(svg: string): Promise<Buffer> {
	// 72 dpi renders one SVG unit as one pixel, so composited thumbnails line up with the drawing.
	return sharp(Buffer.from(svg), { density: 72 }).png({ compressionLevel: 9 }).toBuffer();
}

/** Shorten a label to fit `max` characters. */
export function clip(label: string, max: number): string {
	return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}
