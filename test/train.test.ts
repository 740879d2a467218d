import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../lib/compute/tf';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { FileError, InvalidParameterError, TrainingAbortedError } from '../lib/errors';
import { classify } from '../lib/infer/classify';
import { loadModel, saveModel, type TrainedModel } from '../lib/model-file/model-file';
import { trainingDataFromFolder, type TrainingData } from '../lib/data/training-data';
import { train, type TrainResult } from '../lib/train/train';
import { evaluate } from '../lib/eval/evaluate';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';
import { CURRENT_PREPROCESSING } from '../lib/data/preprocessing';

// From scratch (no ImageNet weights exist on CI machines) on a generated, learnable 3-class dataset at 64 px.
const OPTIONS = { epochs: 4, batchSize: 8, learningRate: 1e-3, imageSize: 64, seed: 7 };

describe('training a ResNet-18 on a real image folder', () => {
	const dir = tempDir();
	const dataDir = path.join(dir, 'shapes');
	let data: TrainingData;
	let result: TrainResult;
	let tensorsBefore: number;
	const progress: string[] = [];

	beforeAll(async () => {
		await testBackend();
		await writeSyntheticDataset(dataDir, { classes: 3, perClass: 30, size: 80, seed: 1 });
		({ data } = await trainingDataFromFolder(dataDir, { validationSplit: 0.2, seed: 7 }));
		tensorsBefore = tf.memory().numTensors;
		result = await train(data, OPTIONS, { onProgress: (p) => progress.push(p.kind) });
	});

	it('learns: validation accuracy clearly beats chance (1/3)', () => {
		const last = result.history[result.history.length - 1];
		assert.equal(result.history.length, OPTIONS.epochs);
		assert.ok(last.validationAccuracy! >= 0.7, `validation accuracy ${last.validationAccuracy}`);
		assert.ok(last.trainLoss < result.history[0].trainLoss, 'training loss falls');
		assert.equal(data.validation.length, 18);
		assert.equal(data.train.length, 72);
	});

	it('reports per-epoch history, progress per batch and epoch, the best epoch and the backend', () => {
		for (const [i, record] of result.history.entries()) {
			assert.equal(record.epoch, i + 1);
			assert.ok(Number.isFinite(record.trainLoss) && record.seconds > 0);
			assert.ok(record.validationAccuracy !== undefined && record.validationLoss !== undefined);
		}
		assert.equal(progress.filter((p) => p === 'epoch').length, OPTIONS.epochs);
		assert.equal(progress.filter((p) => p === 'batch').length, OPTIONS.epochs * Math.ceil(72 / 8));
		assert.ok(result.savedEpoch.epoch >= 1 && result.savedEpoch.epoch <= OPTIONS.epochs);
		assert.equal(result.lastEpoch, result.history[result.history.length - 1]);
		assert.equal(result.backend.kind, result.model.metadata.training?.backend);
	});

	it('leaves no tensor behind but the model it returns', () => {
		const modelTensors = result.model.network.specs.filter(
			(s) => s.role !== 'bn.num_batches_tracked',
		).length;
		assert.equal(tf.memory().numTensors, tensorsBefore + modelTensors);
	});

	it('saves one safetensors file that loads back to identical predictions', async () => {
		const file = path.join(dir, 'model.safetensors');
		await saveModel(file, result.model);
		assert.deepEqual(
			fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
			[],
			'no temporary file left',
		);
		const loaded = await loadModel(file);
		assert.deepEqual(loaded.metadata.classes, data.classes);
		assert.equal(loaded.metadata.inputSize, 64);
		assert.equal(loaded.metadata.training?.epochs, OPTIONS.epochs);
		const images = data.validation.map((s) => s.file);
		const before = await classify(result.model, images, { topK: 3 });
		const after = await classify(loaded, images, { topK: 3 });
		assert.deepEqual(after, before);
		loaded.network.dispose();
	});

	it('classifies 100 times without leaking a tensor', async () => {
		const image = data.validation[0].file;
		await classify(result.model, [image]);
		const baseline = tf.memory().numTensors;
		for (let i = 0; i < 100; i++) await classify(result.model, [image]);
		assert.equal(tf.memory().numTensors, baseline);
	});

	it('evaluates with accuracy, per-class scores, confusion matrix and top-k, without leaking', async () => {
		const baseline = tf.memory().numTensors;
		const evaluation = await evaluate(result.model, data.validation, { topK: 2 });
		assert.equal(tf.memory().numTensors, baseline);
		const m = evaluation.metrics;
		assert.equal(m.count, 18);
		assert.equal(
			m.confusionMatrix.flat().reduce((a, b) => a + b, 0),
			18,
		);
		assert.equal(m.perClass.length, 3);
		assert.ok(m.topKAccuracy >= m.accuracy);
		// The model holds the best validated epoch's weights (keepBest): evaluating it must give that epoch's score.
		const kept = result.history.find(
			(h) => h.epoch === (result.restoredEpoch ?? result.history[result.history.length - 1].epoch),
		)!;
		assert.equal(kept, result.savedEpoch);
		// One answer to "which epoch is the model": the file's metrics are the saved epoch's too.
		assert.equal(result.model.metadata.metrics?.savedEpoch, kept.epoch);
		assert.equal(result.model.metadata.metrics?.validationAccuracy, kept.validationAccuracy);
		assert.ok(
			Math.abs(m.accuracy - kept.validationAccuracy!) < 1e-9,
			'same images, same score as training reported for the kept epoch',
		);
		assert.equal(evaluation.misclassified.length, Math.round(18 * (1 - m.accuracy)));
	});

	it('labels a low-confidence prediction "unknown" under a threshold', async () => {
		const [prediction] = await classify(result.model, [data.validation[0].file], { threshold: 1 });
		assert.equal(
			prediction.label,
			prediction.confidence >= 1 ? prediction.topK[0].label : 'unknown',
		);
	});
});

describe('stopping and refusing', () => {
	it('stops at the next batch when aborted, frees its tensors and returns nothing', async () => {
		await testBackend();
		const dir = tempDir();
		await writeSyntheticDataset(dir, { classes: 2, perClass: 12, size: 48, seed: 2 });
		const { data } = await trainingDataFromFolder(dir, { validationSplit: 0.25 });
		const controller = new AbortController();
		let batches = 0;
		const baseline = tf.memory().numTensors;
		await assert.rejects(
			train(
				data,
				{ epochs: 3, batchSize: 4, imageSize: 32 },
				{
					signal: controller.signal,
					onProgress: (p) => {
						if (p.kind === 'batch' && ++batches === 2) controller.abort();
					},
				},
			),
			TrainingAbortedError,
		);
		assert.equal(batches, 2);
		assert.equal(tf.memory().numTensors, baseline);
	});

	it('re-checks the documented ranges at execution, naming the parameter', async () => {
		const data = { classes: ['a', 'b'], train: [{ file: 'x.png', label: 0 }], validation: [] };
		const cases: [Record<string, unknown>, string][] = [
			[{ epochs: 500 }, 'epochs'],
			[{ batchSize: 0 }, 'batchSize'],
			[{ batchSize: 129 }, 'batchSize'],
			[{ learningRate: 0.01 }, 'learningRate'],
			[{ learningRate: '5e-5' }, 'learningRate'],
			[{ evalSteps: 0 }, 'evalSteps'],
		];
		for (const [options, parameter] of cases) {
			await assert.rejects(
				train(data, options),
				(e: unknown) => e instanceof InvalidParameterError && e.parameter === parameter,
			);
		}
	});

	it('never leaves a half-written model: a failed save keeps the earlier file intact', async () => {
		await testBackend();
		const dir = tempDir();
		const target = path.join(dir, 'model.safetensors');
		fs.mkdirSync(target); // a directory where the file should go: rename must fail
		const { ResNet18 } = await import('../lib/model/resnet18');
		const model: TrainedModel = {
			network: ResNet18.initialize(2, 0),
			metadata: {
				format: 'n8n-nodes-resnet18/1',
				architecture: 'resnet18',
				classes: ['a', 'b'],
				inputSize: 32,
				resizeSize: 37,
				preprocessing: CURRENT_PREPROCESSING,
				normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
				packageVersion: 'test',
				createdAt: 'now',
			},
		};
		await assert.rejects(
			saveModel(target, model),
			(e: unknown) => e instanceof FileError && e.file === target,
		);
		assert.deepEqual(fs.readdirSync(dir), ['model.safetensors'], 'no temporary file left behind');
		assert.ok(fs.statSync(target).isDirectory());
		model.network.dispose();
	});
});
