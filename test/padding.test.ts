import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as tf from '../lib/compute/tf';
import { conv2d } from '../lib/model/conv';
import { forcePaddingMode, maxPool2d, paddingMode, type PaddingMode } from '../lib/model/padding';
import { testBackend } from './support/backend';
import {
	RESNET18_CONVS as CONVS,
	random,
	relativeError,
	type ConvCase,
	type Shape,
} from './support/conv-cases';

/** Output, input gradient and filter gradient of our padded convolution, for the loss Σ y·dy. */
async function convAndGradients(
	c: ConvCase,
	mode: PaddingMode | undefined,
): Promise<Float32Array[]> {
	forcePaddingMode(mode);
	try {
		const [n, h, w, ci] = c.x;
		const oh = Math.floor((h + 2 * c.pad - c.k) / c.stride) + 1;
		const ow = Math.floor((w + 2 * c.pad - c.k) / c.stride) + 1;
		const out = tf.tidy(() => {
			const x = tf.tensor4d(random(c.x, 1), c.x);
			const filter = tf.tensor4d(random([c.k, c.k, ci, c.co], 2), [c.k, c.k, ci, c.co]);
			const dy = tf.tensor4d(random([n, oh, ow, c.co], 3), [n, oh, ow, c.co]);
			const y = conv2d(x, filter, c.stride, c.pad);
			const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
				tf.sum(tf.mul(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy)),
			)([x, filter]);
			return [y, dx, dw];
		});
		const data = (await Promise.all(out.map((t) => t.data()))) as Float32Array[];
		tf.dispose(out);
		return data;
	} finally {
		forcePaddingMode(undefined);
	}
}

/** The stem's max pool (3×3, stride 2, pad 1) and its input gradient, on an input with negative values. */
async function poolAndGradient(
	shape: Shape,
	mode: PaddingMode | undefined,
): Promise<Float32Array[]> {
	forcePaddingMode(mode);
	try {
		const out = tf.tidy(() => {
			const x = tf.tensor4d(random(shape, 4), shape);
			const y = maxPool2d(x, 3, 2, 1);
			const dy = tf.tensor4d(random(y.shape, 5), y.shape);
			const dx = tf.grad((a: tf.Tensor) =>
				tf.sum(tf.mul(maxPool2d(a as tf.Tensor4D, 3, 2, 1), dy)),
			)(x);
			return [y, dx];
		});
		const data = (await Promise.all(out.map((t) => t.data()))) as Float32Array[];
		tf.dispose(out);
		return data;
	} finally {
		forcePaddingMode(undefined);
	}
}

/**
 * The reference: explicit pads, on the backend itself where its kernels take them (so the same kernels run and only
 * the padding differs), else on the pure-JS backend.
 */
async function explicitReference<T>(backend: string, compute: () => Promise<T>): Promise<T> {
	if (paddingMode() === 'explicit') return compute();
	await tf.setBackend('cpu');
	try {
		return await compute();
	} finally {
		await tf.setBackend(backend);
	}
}

describe('symmetric padding: explicit pads where kernels take them, pre-padding where they do not', () => {
	let backend: string;
	beforeAll(async () => {
		backend = (await testBackend()).tfjsName;
	});
	afterAll(() => forcePaddingMode(undefined));

	it('pre-pads on TensorFlow (tfjs-node), whose gradient and pool kernels take only valid/same, and nowhere else', () => {
		assert.equal(paddingMode(), backend === 'tensorflow' ? 'prepad' : 'explicit');
	});

	for (const c of CONVS) {
		it(`${c.name}: pre-padded convolution and its gradients match explicit pads to 1e-5`, async () => {
			const got = await convAndGradients(c, 'prepad');
			const want = await explicitReference(backend, () => convAndGradients(c, 'explicit'));
			for (const [i, what] of ['output', 'input gradient', 'filter gradient'].entries()) {
				const error = relativeError(got[i], want[i]);
				assert.ok(error <= 1e-5, `${what}: relative error ${error}`);
			}
		});
	}

	it('the stem max pool pads with −∞ as torch does: negative inputs at the border win over the padding', async () => {
		const shape: Shape = [2, 17, 16, 4];
		const got = await poolAndGradient(shape, 'prepad');
		const want = await explicitReference(backend, () => poolAndGradient(shape, 'explicit'));
		assert.equal(relativeError(got[0], want[0]), 0, 'pooled values');
		// Where windows overlap, a gradient is a sum, whose order may differ between backends.
		const gradientError = relativeError(got[1], want[1]);
		assert.ok(gradientError <= 1e-6, `input gradient: relative error ${gradientError}`);
		assert.ok(
			got[0].some((v) => v < 0),
			'some windows hold only negative values (else zero padding would pass too)',
		);
	});
});
