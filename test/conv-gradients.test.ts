import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as tf from '../lib/compute/tf';
import { createRng } from '../lib/data/random';
import { filterGradient, inputGradient } from '../lib/model/conv';
import { testBackend } from './support/backend';

type Shape = [number, number, number, number];

/** ResNet-18's convolutions (kernel, stride, pad, channels in → out) at an odd and an even input size. */
const CASES: { name: string; x: Shape; k: number; stride: number; pad: number; co: number }[] = [
	{ name: 'stem 7×7/2', x: [2, 33, 33, 3], k: 7, stride: 2, pad: 3, co: 8 },
	{ name: 'block 3×3/1', x: [2, 14, 14, 16], k: 3, stride: 1, pad: 1, co: 16 },
	{ name: 'block 3×3/2 (odd)', x: [2, 15, 15, 8], k: 3, stride: 2, pad: 1, co: 16 },
	{ name: 'block 3×3/2 (even)', x: [2, 16, 16, 8], k: 3, stride: 2, pad: 1, co: 16 },
	{ name: 'downsample 1×1/2', x: [2, 15, 15, 8], k: 1, stride: 2, pad: 0, co: 16 },
];

function random(shape: number[], seed: number): Float32Array {
	const rng = createRng(seed);
	return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1);
}

function relativeError(got: Float32Array, want: Float32Array): number {
	let worst = 0;
	let scale = 0;
	for (let i = 0; i < want.length; i++) {
		worst = Math.max(worst, Math.abs(got[i] - want[i]));
		scale = Math.max(scale, Math.abs(want[i]));
	}
	return worst / scale;
}

describe('convolution gradients built from convolutions (for backends without fast gradient kernels)', () => {
	let backend: string;
	beforeAll(async () => {
		backend = (await testBackend()).tfjsName;
	});

	for (const c of CASES) {
		it(`${c.name}: input and filter gradients match the pure-JS backend's own kernels to 1e-4`, async () => {
			const [n, h, w, ci] = c.x;
			const oh = Math.floor((h + 2 * c.pad - c.k) / c.stride) + 1;
			const ow = Math.floor((w + 2 * c.pad - c.k) / c.stride) + 1;
			const xData = random(c.x, 1);
			const wData = random([c.k, c.k, ci, c.co], 2);
			const dyData = random([n, oh, ow, c.co], 3);
			const ours = tf.tidy(() => {
				const x = tf.tensor4d(xData, c.x);
				const filter = tf.tensor4d(wData, [c.k, c.k, ci, c.co]);
				const dy = tf.tensor4d(dyData, [n, oh, ow, c.co]);
				return [
					inputGradient(dy, filter, c.x, c.stride, c.pad),
					filterGradient(x, dy, [c.k, c.k, ci, c.co], c.stride, c.pad),
				];
			});
			const [dx, dw] = (await Promise.all(ours.map((t) => t.data()))) as Float32Array[];
			tf.dispose(ours);
			await tf.setBackend('cpu');
			try {
				const reference = tf.tidy(() => {
					const x = tf.tensor4d(xData, c.x);
					const filter = tf.tensor4d(wData, [c.k, c.k, ci, c.co]);
					const dy = tf.tensor4d(dyData, [n, oh, ow, c.co]);
					// The JS backend's Conv2DBackpropInput and Conv2DBackpropFilter kernels, through tfjs's own gradients.
					const filterGrad = tf.grad((f: tf.Tensor) =>
						tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, c.stride, c.pad), dy)),
					)(filter);
					return [tf.conv2dTranspose(dy, filter, c.x, c.stride, c.pad), filterGrad];
				});
				const [dxRef, dwRef] = (await Promise.all(
					reference.map((t) => t.data()),
				)) as Float32Array[];
				tf.dispose(reference);
				assert.ok(relativeError(dx, dxRef) <= 1e-4, `input gradient: ${relativeError(dx, dxRef)}`);
				assert.ok(relativeError(dw, dwRef) <= 1e-4, `filter gradient: ${relativeError(dw, dwRef)}`);
			} finally {
				await tf.setBackend(backend);
			}
		});
	}
});
