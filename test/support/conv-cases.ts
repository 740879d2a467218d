import * as assert from 'node:assert/strict';
import { createRng } from '../../lib/data/random';

export type Shape = [number, number, number, number];

export interface ConvCase {
	readonly name: string;
	readonly x: Shape;
	readonly k: number;
	readonly stride: number;
	readonly pad: number;
	readonly co: number;
}

/** ResNet-18's convolutions (kernel, stride, pad, channels in → out), strided ones at odd and even input sizes. */
export const RESNET18_CONVS: readonly ConvCase[] = [
	{ name: 'stem 7×7/2', x: [2, 33, 33, 3], k: 7, stride: 2, pad: 3, co: 8 },
	{ name: 'block 3×3/1', x: [2, 14, 14, 16], k: 3, stride: 1, pad: 1, co: 16 },
	{ name: 'block 3×3/2 (odd)', x: [2, 15, 15, 8], k: 3, stride: 2, pad: 1, co: 16 },
	{ name: 'block 3×3/2 (even)', x: [2, 16, 16, 8], k: 3, stride: 2, pad: 1, co: 16 },
	{ name: 'downsample 1×1/2', x: [2, 15, 15, 8], k: 1, stride: 2, pad: 0, co: 16 },
];

/** Seeded values in [−1, 1) for a tensor of `shape`. */
export function random(shape: readonly number[], seed: number): Float32Array {
	const rng = createRng(seed);
	return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1);
}

/** Largest absolute difference, relative to the largest reference value. */
export function relativeError(got: Float32Array, want: Float32Array): number {
	assert.equal(got.length, want.length);
	let worst = 0;
	let scale = 0;
	for (let i = 0; i < want.length; i++) {
		worst = Math.max(worst, Math.abs(got[i] - want[i]));
		scale = Math.max(scale, Math.abs(want[i]));
	}
	return worst / scale;
}
