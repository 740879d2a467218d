import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as tf from '../lib/compute/tf';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { createRng } from '../lib/data/random';
import { attachOnnxRuntime, detachOnnxRuntime, onnxRuntime } from '../lib/infer/onnx-runtime';
import { predictFeatures, predictProbabilities } from '../lib/infer/predict';
import { MODEL_FORMAT, type ModelMetadata } from '../lib/model-file/metadata';
import { ResNet18 } from '../lib/model/resnet18';
import { testBackend } from './support/backend';
import { CURRENT_PREPROCESSING } from '../lib/data/preprocessing';

// onnxruntime-node is a devDependency: CI installs it (its CPU binaries are in the npm tarball), so this runs there.
describe('ONNX export, run by ONNX Runtime, agrees with TensorFlow.js', () => {
	const size = 96;
	const metadata: ModelMetadata = {
		format: MODEL_FORMAT,
		architecture: 'resnet18',
		classes: ['a', 'b', 'c', 'd', 'e'],
		inputSize: size,
		resizeSize: 110,
		preprocessing: CURRENT_PREPROCESSING,
		normalization: IMAGENET_NORMALIZATION,
		packageVersion: 'test',
		createdAt: 'now',
	};
	let network: ResNet18;
	let images: Float32Array;
	let expected: Float32Array;
	let expectedFeatures: Float32Array;

	beforeAll(async () => {
		await testBackend();
		network = ResNet18.initialize(5, 21);
		// Trained-looking batch-norm statistics, so the export's BatchNormalization is exercised, not the identity.
		const state = network.toStateDict();
		const rng = createRng(5);
		for (const [name, tensor] of state) {
			if (
				name.endsWith('running_mean') ||
				name.endsWith('running_var') ||
				name.endsWith('bn1.weight')
			) {
				const data = tensor.data as Float32Array;
				for (let i = 0; i < data.length; i++)
					data[i] = name.endsWith('running_mean') ? rng.next() * 0.2 - 0.1 : 0.5 + rng.next();
			}
		}
		network.dispose();
		network = ResNet18.fromStateDict(state);
		images = Float32Array.from({ length: 4 * size * size * 3 }, () => rng.next() * 4 - 2);
		expected = await predictProbabilities(network, images, size);
		expectedFeatures = await predictFeatures(network, images, size);
	});
	afterAll(() => network.dispose());

	it('is found (installed as a devDependency here)', () => {
		assert.notEqual(typeof onnxRuntime(), 'string', String(onnxRuntime()));
	});

	it('gives the same top-1 class and probabilities within 1e-4, and the same 512-d features', async () => {
		const report = await attachOnnxRuntime(network, metadata);
		assert.equal(report.engine, 'onnxruntime', report.reason);
		const got = await predictProbabilities(network, images, size);
		const features = await predictFeatures(network, images, size);
		await detachOnnxRuntime(network);
		assert.equal(got.length, expected.length);
		let worst = 0;
		for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
		assert.ok(worst <= 1e-4, `max |Δp| = ${worst}`);
		for (let row = 0; row < 4; row++) {
			const argmax = (p: Float32Array) =>
				[...p.subarray(row * 5, row * 5 + 5)].reduce(
					(best, v, j, all) => (v > all[best] ? j : best),
					0,
				);
			assert.equal(argmax(got), argmax(expected), `row ${row} top-1`);
		}
		let worstFeature = 0;
		let scale = 0;
		for (let i = 0; i < features.length; i++) {
			worstFeature = Math.max(worstFeature, Math.abs(features[i] - expectedFeatures[i]));
			scale = Math.max(scale, Math.abs(expectedFeatures[i]));
		}
		assert.ok(
			worstFeature <= 1e-4 * Math.max(1, scale),
			`max |Δfeature| = ${worstFeature} (scale ${scale})`,
		);
	});

	it('falls back to TensorFlow.js after detaching, leaving no tensors behind', async () => {
		const before = tf.memory().numTensors;
		const again = await predictProbabilities(network, images, size);
		assert.deepEqual(again, expected);
		assert.equal(tf.memory().numTensors, before);
	});
});
