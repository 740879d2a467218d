import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '../lib/compute/tf';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { InvalidParameterError } from '../lib/errors';
import { ResNet18 } from '../lib/model/resnet18';
import { planFineTune } from '../lib/train/fine-tune';
import { trainingDataFromFolder, type TrainingData } from '../lib/data/training-data';
import { train, type TrainResult } from '../lib/train/train';
import type { StateDict } from '../lib/weights/host-tensor';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';

describe('classifier-only fine-tuning on cached features', () => {
	const dir = path.join(tempDir(), 'shapes');
	let data: TrainingData;
	let start: StateDict;
	let result: TrainResult;
	let tensorsBefore: number;
	const features: string[] = [];

	beforeAll(async () => {
		await testBackend();
		await writeSyntheticDataset(dir, { classes: 3, perClass: 20, size: 64, seed: 2 });
		({ data } = await trainingDataFromFolder(dir, { validationSplit: 0.25, seed: 3 }));
		// "Pretrained" body: weights given as a state dict, as an ImageNet file would be (1,000-class classifier).
		const body = ResNet18.initialize(1000, 11);
		start = body.toStateDict();
		body.dispose();
		tensorsBefore = tf.memory().numTensors;
		result = await train(
			data,
			{
				epochs: 6,
				batchSize: 8,
				learningRate: 1e-3,
				imageSize: 64,
				fineTune: 'head',
				augment: 'standard',
			},
			{
				initialWeights: start,
				onProgress: (p) => {
					if (p.kind === 'features' && p.batch === p.batches) features.push(p.view);
				},
			},
		);
	});

	it('leaves every body tensor exactly as it started and trains a new classifier for the classes', () => {
		const after = result.model.network.toStateDict();
		for (const [name, tensor] of after) {
			if (name.startsWith('fc.')) continue;
			assert.deepEqual(tensor.data, start.get(name)!.data, `${name} unchanged`);
		}
		assert.deepEqual(after.get('fc.weight')!.shape, [3, 512]);
		assert.equal(result.classifierReplaced, true);
		assert.equal(result.fineTune.depth, 'head');
		// onnxruntime-node is a devDependency, so the frozen body runs there.
		assert.equal(result.fineTune.featureEngine, 'ONNX Runtime');
	});

	it('computes features once per view (centre crop, then one augmented view) and learns from them', () => {
		assert.deepEqual(features, ['centre crop', 'augmented (standard)', 'validation']);
		assert.equal(result.history.length, 6);
		assert.ok(
			result.history[5].trainLoss < result.history[0].trainLoss,
			`loss falls: ${result.history.map((h) => h.trainLoss.toFixed(3)).join(' → ')}`,
		);
		assert.ok(result.history.every((h) => h.validationAccuracy !== undefined));
	});

	it('leaks no tensors', () => {
		result.model.network.dispose();
		assert.equal(tf.memory().numTensors, tensorsBefore);
	});

	it('is what Auto picks on WASM/JS with pretrained weights when the last stage would take too long, and never without them', () => {
		const large = planFineTune('auto', 'wasm', true, {
			trainImages: 5000,
			epochs: 10,
			imageSize: 224,
		});
		assert.equal(large.depth, 'head');
		assert.match(
			large.reason,
			/5000 images × 10 epochs at 224 px would take ≈ [\d.]+ (min|h) \(Full ≈ [\d.]+ h\)/,
		);
		assert.equal(planFineTune('auto', 'wasm', true).depth, 'head', 'without a workload to weigh');
		assert.equal(planFineTune('auto', 'wasm', false).depth, 'full');
		assert.equal(planFineTune('auto', 'gpu', true).depth, 'full');
		assert.equal(planFineTune('auto', 'cpu-native', true).depth, 'full');
	});

	it('on native TensorFlow, Auto weighs the same time budget with native rates: Full, then the last stage, then the classifier', () => {
		const at224 = (trainImages: number, epochs: number) =>
			planFineTune('auto', 'cpu-native', true, { trainImages, epochs, imageSize: 224 });
		const small = at224(200, 20);
		assert.equal(small.depth, 'full');
		assert.match(small.reason, /cpu-native backend: 200 images × 20 epochs at 224 px ≈ \d+ min/);
		const medium = at224(1000, 10);
		assert.equal(medium.depth, 'last-stage');
		assert.match(medium.reason, /≈ \d+ min \(Full would take ≈ \d+ min\); choose Full/);
		assert.equal(at224(20000, 10).depth, 'head');
		assert.doesNotMatch(at224(20000, 10).reason, /native install/, 'native is installed already');
	});

	it('refuses an unknown depth naming the parameter', async () => {
		await assert.rejects(
			train(data, { fineTune: 'half' }),
			(e: unknown) => e instanceof InvalidParameterError && e.parameter === 'fineTune',
		);
	});
});
