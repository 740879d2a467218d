import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '../lib/compute/tf';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { InvalidParameterError } from '../lib/errors';
import { detachInference, infer, prepareInference } from '../lib/infer/engine';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { MODEL_FORMAT, type ModelMetadata } from '../lib/model-file/metadata';
import { layer3Side } from '../lib/model/architecture';
import { ResNet18 } from '../lib/model/resnet18';
import { AUTO_LAST_STAGE_BUDGET_S, planFineTune } from '../lib/train/fine-tune';
import { trainingDataFromFolder, type TrainingData } from '../lib/data/training-data';
import { train, type TrainResult } from '../lib/train/train';
import type { StateDict } from '../lib/weights/host-tensor';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';
import { CURRENT_PREPROCESSING } from '../lib/data/preprocessing';

const SIZE = 64;

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
	assert.equal(a.length, b.length);
	return a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);
}

describe('last stage + classifier: layer4 and the FC layer learn on cached layer3 activations', () => {
	const dir = path.join(tempDir(), 'shapes');
	let data: TrainingData;
	let start: StateDict;
	let result: TrainResult;
	let tensorsBefore: number;
	const views: string[] = [];

	beforeAll(async () => {
		await testBackend();
		await writeSyntheticDataset(dir, { classes: 3, perClass: 20, size: 72, seed: 4 });
		({ data } = await trainingDataFromFolder(dir, { validationSplit: 0.25, seed: 3 }));
		// A "pretrained" body given as a state dict with ImageNet's 1,000-class classifier, as a weights file would be.
		const body = ResNet18.initialize(1000, 12);
		start = body.toStateDict();
		body.dispose();
		tensorsBefore = tf.memory().numTensors;
		result = await train(
			data,
			{
				epochs: 5,
				batchSize: 8,
				learningRate: 1e-3,
				imageSize: SIZE,
				fineTune: 'last-stage',
				augment: 'light',
			},
			{
				initialWeights: start,
				onProgress: (p) => {
					if (p.kind === 'features' && p.batch === p.batches) views.push(p.view);
				},
			},
		);
	});

	it('splits the eval forward at layer3 without changing it', async () => {
		const network = ResNet18.fromStateDict(start);
		try {
			const x = tf.randomNormal([2, SIZE, SIZE, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
			const [whole, split] = tf.tidy(() => [
				network.forward(x),
				network.forwardFromLayer3(network.layer3Activations(x)),
			]);
			assert.deepEqual(
				tf.tidy(() => network.layer3Activations(x).shape),
				[2, layer3Side(SIZE), layer3Side(SIZE), 256],
			);
			assert.ok(
				maxAbsDifference(
					(await whole.data()) as Float32Array,
					(await split.data()) as Float32Array,
				) < 1e-5,
			);
			tf.dispose([x, whole, split]);
		} finally {
			network.dispose();
		}
	});

	it('gets the same layer3 activations from ONNX Runtime (NCHW turned NHWC) as from TensorFlow.js', async () => {
		const network = ResNet18.fromStateDict(start);
		const pixels = Float32Array.from({ length: 3 * SIZE * SIZE * 3 }, (_, i) => Math.sin(i * 0.37));
		try {
			const local = await infer(network, pixels, SIZE, 'layer3');
			const meta: ModelMetadata = {
				format: MODEL_FORMAT,
				architecture: 'resnet18',
				classes: Array.from({ length: 1000 }, (_, i) => `c${i}`),
				inputSize: SIZE,
				resizeSize: SIZE,
				preprocessing: CURRENT_PREPROCESSING,
				normalization: IMAGENET_NORMALIZATION,
				packageVersion: 'test',
				createdAt: 'now',
			};
			const engine = await prepareInference(network, meta, { images: 3, layer3: true });
			assert.equal(engine.engine, 'onnxruntime', 'onnxruntime-node is a devDependency');
			const fromOnnx = await infer(network, pixels, SIZE, 'layer3');
			assert.ok(maxAbsDifference(local, fromOnnx) < 1e-4, 'same activations, same layout');
		} finally {
			await detachInference(network);
			network.dispose();
		}
	});

	it('changes layer4 and the classifier only: stem to layer3, their batch statistics included, stay bit for bit', () => {
		const after = result.model.network.toStateDict();
		let layer4Moved = 0;
		for (const [name, tensor] of after) {
			if (name.startsWith('fc.')) continue;
			const before = start.get(name)!.data;
			if (name.startsWith('layer4.')) {
				if (
					tensor.dtype === 'float32' &&
					(tensor.data as Float32Array).some((v, i) => v !== (before as Float32Array)[i])
				)
					layer4Moved++;
				continue;
			}
			assert.deepEqual(tensor.data, before, `${name} unchanged`);
		}
		assert.ok(after.has('layer4.1.bn2.running_mean'));
		assert.ok(
			layer4Moved >= 20,
			`layer4's weights, batch-norm parameters and running statistics learn (${layer4Moved} tensors moved)`,
		);
		assert.equal(result.fineTune.depth, 'last-stage');
		assert.equal(result.fineTune.featureEngine, 'ONNX Runtime');
	});

	it('caches one view per image (centre crop, augmented) and learns from them', () => {
		assert.deepEqual(views, ['centre crop', 'augmented (light)', 'validation']);
		assert.equal(result.history.length, 5);
		assert.ok(
			result.history[4].trainLoss < result.history[0].trainLoss,
			`loss falls: ${result.history.map((h) => h.trainLoss.toFixed(3)).join(' → ')}`,
		);
		const best = Math.max(...result.history.map((h) => h.validationAccuracy!));
		assert.ok(best > 0.5, `validation accuracy beats chance (1/3): ${best}`);
	});

	it('leaks no tensors', () => {
		result.model.network.dispose();
		assert.equal(tf.memory().numTensors, tensorsBefore);
	});

	it('is what Auto picks on WASM/JS with pretrained weights when it fits the time budget, and says so', () => {
		const small = planFineTune('auto', 'wasm', true, {
			trainImages: 200,
			epochs: 20,
			imageSize: 224,
		});
		assert.equal(small.depth, 'last-stage');
		assert.match(
			small.reason,
			/200 images × 20 epochs at 224 px ≈ \d+ min \(Full would take ≈ [\d.]+ (min|h)\)/,
		);
		assert.equal(
			planFineTune('auto', 'js', true, { trainImages: 200, epochs: 20, imageSize: 224 }).depth,
			'head',
			'the JS backend is too slow for it',
		);
		assert.ok(AUTO_LAST_STAGE_BUDGET_S >= 5 * 60);
		assert.equal(
			planFineTune('last-stage', 'gpu', true).depth,
			'last-stage',
			'as chosen, anywhere',
		);
	});

	it('refuses a run whose activations would not fit in memory, naming the parameter, before reading an image', async () => {
		const many = {
			classes: ['a', 'b'],
			train: Array.from({ length: 3000 }, (_, i) => ({ file: `/nowhere/${i}.png`, label: i % 2 })),
			validation: [],
		};
		const tensors = tf.memory().numTensors;
		await assert.rejects(
			train(
				many,
				{ fineTune: 'last-stage', imageSize: 512, augment: 'standard' },
				{ initialWeights: start },
			),
			(e: unknown) =>
				e instanceof InvalidParameterError &&
				e.parameter === 'fineTune' &&
				/GB of layer3 activations/.test(e.message),
		);
		assert.equal(tf.memory().numTensors, tensors);
	});
});
