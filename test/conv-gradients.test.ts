import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as tf from '../lib/compute/tf';
import { conv2d, filterGradient, inputGradient } from '../lib/model/conv';
import { testBackend } from './support/backend';
import { RESNET18_CONVS as CASES, random, relativeError } from './support/conv-cases';

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

describe('the convolution training uses (conv2d), forward and both gradients, on the backend under test', () => {
	let backend: string;
	beforeAll(async () => {
		backend = (await testBackend()).tfjsName;
	});

	// On native TensorFlow this is Conv2D / Conv2DBackpropInput / Conv2DBackpropFilter by name, with SAME where it
	// equals torch's padding and one-sided pre-padding + VALID in the backward elsewhere; on WASM the composed path.
	const cases = [
		...CASES,
		{ name: 'stem 7×7/2 (even)', x: [2, 32, 32, 3], k: 7, stride: 2, pad: 3, co: 8 } as const,
	];
	for (const c of cases) {
		it(`${c.name}: y, dx and dw match the pure-JS backend to 1e-4`, async () => {
			const [n, h, w, ci] = c.x;
			const oh = Math.floor((h + 2 * c.pad - c.k) / c.stride) + 1;
			const ow = Math.floor((w + 2 * c.pad - c.k) / c.stride) + 1;
			const xData = random(c.x, 4);
			const wData = random([c.k, c.k, ci, c.co], 5);
			const rData = random([n, oh, ow, c.co], 6);
			const compute = (f: typeof conv2d) =>
				tf.tidy(() => {
					const x = tf.tensor4d(xData, [...c.x]);
					const filter = tf.tensor4d(wData, [c.k, c.k, ci, c.co]);
					const r = tf.tensor4d(rData, [n, oh, ow, c.co]);
					const loss = (a: tf.Tensor, b: tf.Tensor) =>
						tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r));
					return [f(x, filter, c.stride, c.pad), ...tf.grads(loss)([x, filter])].map(
						(t) => t.dataSync() as Float32Array,
					);
				});
			const before = tf.memory().numTensors;
			const ours = compute(conv2d);
			assert.equal(tf.memory().numTensors, before, 'no tensor outlives the step');
			await tf.setBackend('cpu');
			try {
				const reference = compute((x, filter, stride, pad) => tf.conv2d(x, filter, stride, pad));
				['y', 'dx', 'dw'].forEach((name, i) => {
					const error = relativeError(ours[i]!, reference[i]!);
					assert.ok(error <= 1e-4, `${name}: relative error ${error}`);
				});
			} finally {
				await tf.setBackend(backend);
			}
		});
	}
});
