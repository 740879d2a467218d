import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { InvalidParameterError } from '../errors';
import { createRng, type Rng } from './random';

/**
 * A small, real image dataset generated on the spot (no download): coloured shapes on noisy gradient backgrounds,
 * one class per shape, written as a mix of JPEG and PNG. Learnable from scratch in a few epochs, yet every image
 * differs in position, size, rotation, hue and background. Used by the quick start and the tests.
 */
export const SYNTHETIC_CLASSES = ['circle', 'square', 'triangle', 'star', 'ring'] as const;

/** Base hue per class: colour helps, shape decides within overlapping hue jitter. */
const HUES = [0, 120, 220, 50, 290];

export interface SyntheticOptions {
	readonly classes?: number;
	readonly perClass: number;
	/** Side of the square images in pixels. */
	readonly size: number;
	readonly seed?: number;
}

export async function writeSyntheticDataset(
	dir: string,
	options: SyntheticOptions,
): Promise<string[]> {
	const count = options.classes ?? 3;
	if (!Number.isInteger(count) || count < 2 || count > SYNTHETIC_CLASSES.length) {
		throw new InvalidParameterError(
			'classes',
			`must be 2–${SYNTHETIC_CLASSES.length}, got ${count}`,
		);
	}
	const rng = createRng(options.seed ?? 0);
	const classes = SYNTHETIC_CLASSES.slice(0, count);
	for (const [c, name] of classes.entries()) {
		await fs.mkdir(path.join(dir, name), { recursive: true });
		for (let i = 0; i < options.perClass; i++) {
			const svg = render(c, options.size, rng);
			const image = sharp(Buffer.from(svg));
			const file = path.join(
				dir,
				name,
				`${name}-${String(i).padStart(4, '0')}.${i % 2 === 0 ? 'jpg' : 'png'}`,
			);
			await (i % 2 === 0 ? image.jpeg({ quality: 90 }) : image.png()).toFile(file);
		}
	}
	return [...classes];
}

function render(shapeIndex: number, size: number, rng: Rng): string {
	const r = (min: number, max: number) => min + rng.next() * (max - min);
	const hue = (HUES[shapeIndex] + r(-25, 25) + 360) % 360;
	const radius = size * r(0.18, 0.32);
	const cx = r(radius, size - radius);
	const cy = r(radius, size - radius);
	const angle = r(0, 360);
	const fill = `hsl(${hue.toFixed(0)},${r(55, 90).toFixed(0)}%,${r(35, 60).toFixed(0)}%)`;
	const bgA = `hsl(${r(0, 360).toFixed(0)},${r(0, 30).toFixed(0)}%,${r(70, 95).toFixed(0)}%)`;
	const bgB = `hsl(${r(0, 360).toFixed(0)},${r(0, 30).toFixed(0)}%,${r(40, 80).toFixed(0)}%)`;
	const seed = Math.floor(r(0, 1000));
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">
<defs><linearGradient id="g" x1="0" y1="0" x2="${r(0, 1).toFixed(2)}" y2="1"><stop offset="0" stop-color="${bgA}"/><stop offset="1" stop-color="${bgB}"/></linearGradient>
<filter id="n"><feTurbulence type="fractalNoise" baseFrequency="${r(0.05, 0.3).toFixed(2)}" numOctaves="2" seed="${seed}"/><feColorMatrix type="saturate" values="0"/><feComponentTransfer><feFuncA type="linear" slope="0.35"/></feComponentTransfer></filter></defs>
<rect width="100%" height="100%" fill="url(#g)"/><rect width="100%" height="100%" filter="url(#n)"/>
<g transform="translate(${cx.toFixed(1)} ${cy.toFixed(1)}) rotate(${angle.toFixed(0)})" fill="${fill}">${shape(shapeIndex, radius, fill)}</g>
</svg>`;
}

function shape(index: number, radius: number, colour: string): string {
	const polygon = (points: number, inner?: number) => {
		const coords: string[] = [];
		const total = inner ? points * 2 : points;
		for (let k = 0; k < total; k++) {
			const rad = inner && k % 2 === 1 ? radius * inner : radius;
			const a = (Math.PI * 2 * k) / total - Math.PI / 2;
			coords.push(`${(rad * Math.cos(a)).toFixed(1)},${(rad * Math.sin(a)).toFixed(1)}`);
		}
		return `<polygon points="${coords.join(' ')}"/>`;
	};
	switch (SYNTHETIC_CLASSES[index]) {
		case 'circle':
			return `<circle r="${radius.toFixed(1)}"/>`;
		case 'square':
			return `<rect x="${(-radius * 0.8).toFixed(1)}" y="${(-radius * 0.8).toFixed(1)}" width="${(radius * 1.6).toFixed(1)}" height="${(radius * 1.6).toFixed(1)}"/>`;
		case 'triangle':
			return polygon(3);
		case 'star':
			return polygon(5, 0.45);
		default:
			return `<circle r="${radius.toFixed(1)}" fill="none" stroke-width="${(radius * 0.3).toFixed(1)}" stroke="${colour}"/>`;
	}
}
