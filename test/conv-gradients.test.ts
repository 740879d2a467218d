import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as tf from '../lib/compute/tf';
import { filterGradient, inputGradient } from '../lib/model/conv';
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
