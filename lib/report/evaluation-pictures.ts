import sharp from 'sharp';
import type { Evaluation } from '../eval/evaluate';
import { clip, COLORS, escapeXml, FONT, svgDocument, text, toPng } from './svg';

/** More classes than this are summarised (the most frequent ones shown) so the picture stays legible. */
export const MAX_CLASSES_SHOWN = 30;

function shownClasses(evaluation: Evaluation): number[] {
	const order = evaluation.metrics.perClass.map((c, i) => ({ i, support: c.support }));
	if (order.length <= MAX_CLASSES_SHOWN) return order.map((o) => o.i);
	return order
		.sort((a, b) => b.support - a.support)
		.slice(0, MAX_CLASSES_SHOWN)
		.map((o) => o.i)
		.sort((a, b) => a - b);
}

/** Rows: true class; columns: predicted. Cell colour is the row share; the number is the count. */
export function confusionMatrixSvg(evaluation: Evaluation): string {
	const classes = evaluation.metrics.perClass.map((c) => c.label);
	const shown = shownClasses(evaluation);
	const matrix = evaluation.metrics.confusionMatrix;
	const cell = Math.max(22, Math.min(64, Math.floor(640 / shown.length)));
	const labelWidth = 150;
	const top = 190;
	const width = Math.max(560, labelWidth + cell * shown.length + 40);
	const height = top + cell * shown.length + 70;
	const maxChars = Math.max(6, Math.floor(cell / 7) + 8);
	let body = text(
		width / 2,
		30,
		`Confusion matrix — accuracy ${(evaluation.metrics.accuracy * 100).toFixed(1)} % on ${evaluation.metrics.count} images`,
		{ size: 18, anchor: 'middle', weight: 'bold' },
	);
	if (shown.length < classes.length)
		body += text(width / 2, 52, `the ${shown.length} most frequent of ${classes.length} classes`, {
			size: 13,
			anchor: 'middle',
			color: COLORS.muted,
		});
	body += text(labelWidth + (cell * shown.length) / 2, 76, 'predicted', {
		size: 14,
		anchor: 'middle',
		color: COLORS.muted,
	});
	body += text(18, top + (cell * shown.length) / 2, 'true', {
		size: 14,
		anchor: 'middle',
		color: COLORS.muted,
		rotate: -90,
	});
	shown.forEach((c, col) => {
		const x = labelWidth + col * cell + cell / 2;
		body += text(x, top - 8, clip(classes[c], maxChars), {
			size: 12,
			anchor: 'start',
			rotate: -60,
		});
	});
	shown.forEach((t, row) => {
		const y = top + row * cell;
		const rowTotal = matrix[t].reduce((a, b) => a + b, 0) || 1;
		body += text(labelWidth - 8, y + cell / 2 + 4, clip(classes[t], 20), {
			size: 12,
			anchor: 'end',
		});
		shown.forEach((p, col) => {
			const count = matrix[t][p];
			const share = count / rowTotal;
			const color =
				t === p
					? `rgba(21,128,61,${(0.1 + 0.9 * share).toFixed(3)})`
					: `rgba(194,65,12,${(share > 0 ? 0.1 + 0.9 * share : 0).toFixed(3)})`;
			const x = labelWidth + col * cell;
			body += `<rect x="${x}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${color}" stroke="${COLORS.grid}"/>`;
			if (count > 0 && cell >= 22)
				body += text(x + cell / 2, y + cell / 2 + 4, String(count), {
					size: Math.min(14, cell / 2.2),
					anchor: 'middle',
					color: share > 0.6 ? '#ffffff' : COLORS.text,
				});
		});
	});
	return svgDocument(width, height, body);
}

/** Precision and recall per class as paired horizontal bars, with F1 written beside them. */
export function perClassSvg(evaluation: Evaluation): string {
	const shown = shownClasses(evaluation);
	const rowHeight = 30;
	const labelWidth = 170;
	const barWidth = 520;
	const top = 70;
	const width = labelWidth + barWidth + 130;
	const height = top + rowHeight * shown.length + 50;
	let body = text(
		width / 2,
		30,
		`Per-class precision and recall — macro F1 ${evaluation.metrics.macro.f1.toFixed(3)}`,
		{ size: 18, anchor: 'middle', weight: 'bold' },
	);
	for (let i = 0; i <= 4; i++) {
		const x = labelWidth + (barWidth * i) / 4;
		body +=
			`<line x1="${x}" x2="${x}" y1="${top - 6}" y2="${top + rowHeight * shown.length}" stroke="${COLORS.grid}"/>` +
			text(x, top - 12, `${i * 25}%`, { size: 11, anchor: 'middle', color: COLORS.muted });
	}
	shown.forEach((c, row) => {
		const m = evaluation.metrics.perClass[c];
		const y = top + row * rowHeight;
		body += text(labelWidth - 8, y + 19, clip(m.label, 22), { size: 13, anchor: 'end' });
		body += `<rect x="${labelWidth}" y="${y + 4}" width="${(m.precision * barWidth).toFixed(1)}" height="10" fill="${COLORS.train}"/>`;
		body += `<rect x="${labelWidth}" y="${y + 15}" width="${(m.recall * barWidth).toFixed(1)}" height="10" fill="${COLORS.validation}"/>`;
		body += text(labelWidth + barWidth + 10, y + 19, `F1 ${m.f1.toFixed(2)} (n=${m.support})`, {
			size: 12,
			color: COLORS.muted,
		});
	});
	const legend = top + rowHeight * shown.length + 24;
	body +=
		`<rect x="${labelWidth}" y="${legend - 11}" width="14" height="12" fill="${COLORS.train}"/>` +
		text(labelWidth + 20, legend, 'precision', { size: 13 });
	body +=
		`<rect x="${labelWidth + 120}" y="${legend - 11}" width="14" height="12" fill="${COLORS.validation}"/>` +
		text(labelWidth + 140, legend, 'recall', { size: 13 });
	return svgDocument(width, height, body);
}

/** Reliability diagram: accuracy per confidence bin against the diagonal of perfect calibration, and the ECE. */
export function calibrationSvg(evaluation: Evaluation): string {
	const size = 400;
	const left = 70;
	const top = 60;
	const width = left + size + 40;
	const height = top + size + 70;
	const { bins, ece } = evaluation.calibration;
	let body = text(
		width / 2,
		30,
		`Reliability — expected calibration error ${(ece * 100).toFixed(1)} %`,
		{ size: 17, anchor: 'middle', weight: 'bold' },
	);
	for (let i = 0; i <= 4; i++) {
		const v = i / 4;
		body += `<line x1="${left}" x2="${left + size}" y1="${top + size - v * size}" y2="${top + size - v * size}" stroke="${COLORS.grid}"/>`;
		body += text(left - 8, top + size - v * size + 4, `${i * 25}%`, {
			size: 11,
			anchor: 'end',
			color: COLORS.muted,
		});
		body += text(left + v * size, top + size + 18, `${i * 25}%`, {
			size: 11,
			anchor: 'middle',
			color: COLORS.muted,
		});
	}
	const barWidth = size / bins.length;
	bins.forEach((b, i) => {
		if (b.count === 0) return;
		const h = b.accuracy * size;
		body += `<rect x="${left + i * barWidth + 1}" y="${top + size - h}" width="${barWidth - 2}" height="${h}" fill="${COLORS.train}" fill-opacity="0.8"/>`;
		body += text(left + i * barWidth + barWidth / 2, top + size - h - 4, String(b.count), {
			size: 10,
			anchor: 'middle',
			color: COLORS.muted,
		});
	});
	body += `<line x1="${left}" y1="${top + size}" x2="${left + size}" y2="${top}" stroke="${COLORS.validation}" stroke-dasharray="6 4" stroke-width="2"/>`;
	body += text(left + size / 2, top + size + 40, 'confidence of the predicted class', {
		size: 13,
		anchor: 'middle',
		color: COLORS.muted,
	});
	body += text(20, top + size / 2, 'accuracy', {
		size: 13,
		anchor: 'middle',
		color: COLORS.muted,
		rotate: -90,
	});
	return svgDocument(width, height, body);
}

/** Mistakes the sheet shows (the most confident first). */
export const MISTAKES_SHOWN = 24;

/**
 * The most confident mistakes as a contact sheet: thumbnail, true → predicted, confidence; with `heatmaps` (by file),
 * each mistake's Grad-CAM of the predicted class beside it — where the model saw the class it wrongly chose.
 */
export async function mistakesPng(
	evaluation: Evaluation,
	limit = MISTAKES_SHOWN,
	heatmaps?: ReadonlyMap<string, Buffer>,
): Promise<Buffer | undefined> {
	const mistakes = evaluation.misclassified.slice(0, limit);
	if (mistakes.length === 0) return undefined;
	const withHeatmaps = heatmaps !== undefined && heatmaps.size > 0;
	const thumb = withHeatmaps ? 112 : 128;
	const tileW = withHeatmaps ? 2 * thumb + 24 : 180;
	const tileH = thumb + 52;
	const columns = Math.min(withHeatmaps ? 4 : 6, mistakes.length);
	const rows = Math.ceil(mistakes.length / columns);
	const width = columns * tileW + 20;
	const height = rows * tileH + 60;
	const fit = (input: string | Buffer) =>
		sharp(input, { limitInputPixels: 100_000_000 })
			.rotate()
			.resize(thumb, thumb, { fit: 'contain', background: '#ffffff' })
			.flatten({ background: '#ffffff' })
			.png()
			.toBuffer()
			.catch(() => undefined);
	const thumbnails = await Promise.all(mistakes.map((m) => fit(m.file)));
	const heat = await Promise.all(
		mistakes.map((m) => {
			const png = heatmaps?.get(m.file);
			return png ? fit(png) : undefined;
		}),
	);
	let labels = text(
		width / 2,
		32,
		`Most confident mistakes (${mistakes.length} of ${evaluation.misclassified.length})${withHeatmaps ? ', with the Grad-CAM of the predicted class' : ''}`,
		{ size: 18, anchor: 'middle', weight: 'bold' },
	);
	mistakes.forEach((m, i) => {
		const x = 10 + (i % columns) * tileW;
		const y = 50 + Math.floor(i / columns) * tileH;
		labels += `<text x="${x + tileW / 2}" y="${y + thumb + 18}" font-family="${FONT}" font-size="12" text-anchor="middle" fill="${COLORS.text}">${escapeXml(clip(`${m.trueLabel} → ${m.predictedLabel}`, 26))}</text>`;
		labels += text(
			x + tileW / 2,
			y + thumb + 36,
			`${(m.confidence * 100).toFixed(0)} % · ${clip(m.file.split(/[\\/]/).pop() ?? '', 22)}`,
			{ size: 11, anchor: 'middle', color: COLORS.muted },
		);
	});
	const base = await toPng(svgDocument(width, height, labels));
	const composites = mistakes.flatMap((_, i) => {
		const left = 10 + (i % columns) * tileW;
		const top = 50 + Math.floor(i / columns) * tileH;
		const t = thumbnails[i];
		const h = heat[i];
		if (!withHeatmaps) return t ? [{ input: t, left: left + (tileW - thumb) / 2, top }] : [];
		return [
			...(t ? [{ input: t, left: left + 8, top }] : []),
			...(h ? [{ input: h, left: left + 16 + thumb, top }] : []),
		];
	});
	return sharp(base).composite(composites).png({ compressionLevel: 9 }).toBuffer();
}

export interface EvaluationPictures {
	readonly confusionMatrix: Buffer;
	readonly perClass: Buffer;
	readonly calibration: Buffer;
	readonly mistakes?: Buffer;
}

/** The evaluation's pictures; `heatmaps` (Grad-CAM by file, lib/eval/mistake-heatmaps.ts) go on the mistakes sheet. */
export async function evaluationPictures(
	evaluation: Evaluation,
	heatmaps?: ReadonlyMap<string, Buffer>,
): Promise<EvaluationPictures> {
	const [confusionMatrix, perClass, calibration, mistakes] = await Promise.all([
		toPng(confusionMatrixSvg(evaluation)),
		toPng(perClassSvg(evaluation)),
		toPng(calibrationSvg(evaluation)),
		mistakesPng(evaluation, MISTAKES_SHOWN, heatmaps),
	]);
	return { confusionMatrix, perClass, calibration, mistakes };
}
