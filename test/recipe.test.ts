import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../lib/compute/tf';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { InvalidParameterError } from '../lib/errors';
import { ResNet18 } from '../lib/model/resnet18';
import { autoPreset } from '../lib/train/auto-preset';
import {
	classWeightsFor,
	lossNormaliser,
	objectiveLoss,
	type Objective,
} from '../lib/train/objective';
import { resolveTrainOptions } from '../lib/train/options';
import { trainingStep } from '../lib/train/step';
import { train } from '../lib/train/train';
import { trainingDataFromFolder } from '../lib/data/training-data';
import { ParameterUpdater, type UpdateSettings } from '../lib/train/updater';
import type { StateDict } from '../lib/weights/host-tensor';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';

interface TorchObjective {
	logits: number[];
	shape: [number, number];
	labels: number[];
	cases: { labelSmoothing: number; classWeights: number[] | null; loss: number; grad: number[] }[];
}

// Written by test/fixtures/make_objective.py with Debian's PyTorch 1.13.
const torchObjective = JSON.parse(
	fs.readFileSync(path.resolve(__dirname, '../../test/fixtures/objective/torch.json'), 'utf8'),
) as TorchObjective;

const SETTINGS: UpdateSettings = {
	optimizer: 'sgd',
	learningRate: 1,
	weightDecay: 0,
	bodyLearningRateFactor: 1,
	gradientClipNorm: 0,
};
const SIZE = 32;

function batch(seed: number, n = 4): { x: tf.Tensor4D; labels: Int32Array } {
	return {
		x: tf.randomNormal([n, SIZE, SIZE, 3], 0, 1, 'float32', seed) as tf.Tensor4D,
		labels: Int32Array.from({ length: n }, (_, i) => i % 3),
	};
}

function deltas(before: StateDict, after: StateDict): Map<string, Float32Array> {
	const out = new Map<string, Float32Array>();
	for (const [name, t] of before) {
		if (t.dtype !== 'float32' || name.includes('running_')) continue;
		const a = after.get(name)!.data as Float32Array;
		out.set(
			name,
			Float32Array.from(t.data as Float32Array, (v, i) => a[i] - v),
		);
	}
	return out;
}

const norm = (values: Iterable<Float32Array>) =>
	Math.sqrt([...values].reduce((s, d) => s + d.reduce((t, v) => t + v * v, 0), 0));

/** One step of `settings` on a copy of `network`; returns how every tensor moved. */
async function stepDeltas(
	initial: StateDict,
	settings: UpdateSettings,
	seed: number,
): Promise<{ moved: Map<string, Float32Array>; clipped: number }> {
	const network = ResNet18.fromStateDict(initial);
	const updater = new ParameterUpdater(network, settings);
	const { x, labels } = batch(seed);
	await trainingStep(network, updater, x, labels);
	const moved = deltas(initial, network.toStateDict());
	const clipped = updater.takeClippedSteps();
	x.dispose();
	updater.dispose();
	network.dispose();
	return { moved, clipped };
}

describe('the training objective: label smoothing and class weights as torch computes them', () => {
	beforeAll(testBackend);

	for (const c of torchObjective.cases) {
		it(`matches torch's CrossEntropyLoss (label smoothing ${c.labelSmoothing}, ${c.classWeights ? 'class weights' : 'no weights'}) in value and gradient`, () => {
			const objective: Objective = {
				labelSmoothing: c.labelSmoothing,
				classWeights: c.classWeights ?? undefined,
			};
			const logits = tf.tensor2d(torchObjective.logits, torchObjective.shape);
			const labels = tf.tensor1d(torchObjective.labels, 'int32');
			const normaliser = lossNormaliser(torchObjective.labels, objective);
			const loss = objectiveLoss(logits, labels, objective, normaliser);
			const grad = tf.grad((l: tf.Tensor) =>
				objectiveLoss(l as tf.Tensor2D, labels, objective, normaliser),
			)(logits);
			assert.ok(
				Math.abs(loss.dataSync()[0] - c.loss) < 1e-5,
				`loss ${loss.dataSync()[0]} vs torch ${c.loss}`,
			);
			const worst = Math.max(...Array.from(grad.dataSync(), (g, i) => Math.abs(g - c.grad[i])));
			assert.ok(worst < 1e-6, `gradient differs from torch's by ${worst}`);
			tf.dispose([logits, labels, loss, grad]);
		});
	}

	it('weighs classes only when asked, or under auto when the largest class has ≥ 1.5× the smallest', () => {
		const classes = ['a', 'b', 'c'];
		const balanced = [0, 0, 1, 1, 2, 2];
		const skewed = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
		assert.equal(classWeightsFor('auto', balanced, classes).weights, undefined);
		assert.match(classWeightsFor('auto', balanced, classes).reason, /balanced enough/);
		assert.equal(classWeightsFor('none', skewed, classes).weights, undefined);
		const auto = classWeightsFor('auto', skewed, classes).weights!;
		// n / (C · n_c): 12 / (3 · 6), 12 / (3 · 3), 12 / (3 · 3)
		assert.deepEqual(
			auto.map((w) => Number(w.toFixed(6))),
			[0.666667, 1.333333, 1.333333],
		);
		assert.deepEqual(classWeightsFor('balanced', balanced, classes).weights, [1, 1, 1]);
	});

	it('refuses out-of-range recipe options, naming them', () => {
		assert.throws(
			() => resolveTrainOptions({ labelSmoothing: 0.7 }),
			(e: unknown) => e instanceof InvalidParameterError && e.parameter === 'labelSmoothing',
		);
		assert.throws(
			() => resolveTrainOptions({ classWeights: 'inverse' }),
			(e: unknown) => e instanceof InvalidParameterError && e.parameter === 'classWeights',
		);
		assert.throws(
			() => resolveTrainOptions({ gradientClipNorm: -1 }),
			(e: unknown) => e instanceof InvalidParameterError && e.parameter === 'gradientClipNorm',
		);
		assert.throws(
			() => resolveTrainOptions({ bodyLearningRateFactor: 0 }),
			(e: unknown) =>
				e instanceof InvalidParameterError && e.parameter === 'bodyLearningRateFactor',
		);
		assert.throws(
			() => resolveTrainOptions({ preset: 'fast' }),
			(e: unknown) => e instanceof InvalidParameterError && e.parameter === 'preset',
		);
	});
});

describe('the optimiser step: clipping, discriminative learning rates, decoupled weight decay', () => {
	let initial: StateDict;
	beforeAll(async () => {
		await testBackend();
		const network = ResNet18.initialize(3, 11);
		initial = network.toStateDict();
		network.dispose();
	});

	it('clips the gradients to the given global norm (torch clip_grad_norm_), and counts the clipped steps', async () => {
		const free = await stepDeltas(initial, SETTINGS, 1);
		const raw = norm(free.moved.values());
		const max = raw / 4;
		const clipped = await stepDeltas(initial, { ...SETTINGS, gradientClipNorm: max }, 1);
		// SGD at rate 1, first step: every weight moves by minus its (clipped) gradient.
		assert.ok(
			Math.abs(norm(clipped.moved.values()) - max) / max < 1e-3,
			`moved ${norm(clipped.moved.values())}, clip norm ${max}`,
		);
		assert.equal(clipped.clipped, 1);
		const loose = await stepDeltas(initial, { ...SETTINGS, gradientClipNorm: raw * 2 }, 1);
		assert.equal(loose.clipped, 0);
		assert.ok(
			Math.abs(norm(loose.moved.values()) - raw) / raw < 1e-4,
			'a norm under the limit is left alone',
		);
	});

	it("moves the pretrained body at a fraction of the classifier's rate", async () => {
		const same = await stepDeltas(initial, SETTINGS, 2);
		const slow = await stepDeltas(initial, { ...SETTINGS, bodyLearningRateFactor: 0.1 }, 2);
		for (const name of [
			'conv1.weight',
			'layer3.1.conv2.weight',
			'layer4.0.bn1.bias',
			'fc.weight',
			'fc.bias',
		]) {
			const expected = name.startsWith('fc.') ? 1 : 0.1;
			const ratio = norm([slow.moved.get(name)!]) / norm([same.moved.get(name)!]);
			assert.ok(
				Math.abs(ratio - expected) < 1e-3,
				`${name} moved ${ratio}× as far, expected ${expected}×`,
			);
		}
	});

	it("decays convolution and classifier weights by lr·λ at each group's rate, leaving batch norm and biases alone", async () => {
		const network = ResNet18.fromStateDict(initial);
		const updater = new ParameterUpdater(network, {
			...SETTINGS,
			optimizer: 'adamw',
			learningRate: 0.1,
			weightDecay: 0.5,
			bodyLearningRateFactor: 0.5,
		});
		// Zero gradients: Adam does not move, so what changes is the decay alone.
		const zeros = Object.fromEntries(
			network.trainableVariables().map((v) => [v.name, tf.zerosLike(v)]),
		);
		await updater.apply(zeros);
		tf.dispose(Object.values(zeros));
		const after = network.toStateDict();
		const ratio = (name: string) =>
			(after.get(name)!.data as Float32Array)[0] / (initial.get(name)!.data as Float32Array)[0];
		assert.ok(
			Math.abs(ratio('layer2.0.conv1.weight') - (1 - 0.1 * 0.5 * 0.5)) < 1e-6,
			'body: half the rate',
		);
		assert.ok(Math.abs(ratio('fc.weight') - (1 - 0.1 * 0.5)) < 1e-6, 'classifier: the full rate');
		assert.deepEqual(after.get('fc.bias')!.data, initial.get('fc.bias')!.data);
		assert.deepEqual(after.get('bn1.weight')!.data, initial.get('bn1.weight')!.data);
		updater.dispose();
		network.dispose();
	});
});

describe("Auto hyper-parameters from the dataset size, as the model card's table says", () => {
	it('picks learning rate, epochs, batch and augmentation per size band, batch 4–8 on CPU, and says so', () => {
		const tiny = autoPreset(60, 'wasm', {});
		assert.deepEqual(
			[
				tiny.datasetSize,
				tiny.chosen.learningRate,
				tiny.chosen.epochs,
				tiny.chosen.batchSize,
				tiny.chosen.augment,
			],
			['tiny', 1e-5, 40, 4, 'heavy'],
		);
		const small = autoPreset(500, 'wasm', {});
		assert.deepEqual(
			[
				small.datasetSize,
				small.chosen.learningRate,
				small.chosen.epochs,
				small.chosen.batchSize,
				small.chosen.augment,
			],
			['small', 5e-5, 20, 8, 'heavy'],
		);
		assert.equal(autoPreset(500, 'gpu', {}).chosen.batchSize, 16);
		const medium = autoPreset(5000, 'gpu', {});
		assert.deepEqual(
			[
				medium.datasetSize,
				medium.chosen.learningRate,
				medium.chosen.epochs,
				medium.chosen.batchSize,
				medium.chosen.augment,
			],
			['medium', 1e-4, 10, 32, 'standard'],
		);
		const large = autoPreset(20000, 'gpu', {});
		assert.deepEqual(
			[large.datasetSize, large.chosen.epochs, large.chosen.batchSize, large.chosen.augment],
			['large', 5, 64, 'light'],
		);
		assert.deepEqual(
			[
				small.chosen.optimizer,
				small.chosen.schedule,
				small.chosen.warmupEpochs,
				small.chosen.labelSmoothing,
				small.chosen.earlyStoppingPatience,
			],
			['adamw', 'cosine', 1, 0.1, 5],
		);
		assert.match(small.reason, /500 training images \(small dataset/);
		assert.match(
			small.reason,
			/learning rate 0\.00005, 20 epochs, batch 8 \(the card's advice for CPU training\), heavy augmentation; AdamW with 1 warm-up epoch then cosine decay, label smoothing 0\.1, best epoch kept, early stop after 5 validations/,
		);
	});

	it('keeps what the user set explicitly and names it', () => {
		const preset = autoPreset(500, 'wasm', { epochs: 3, preset: 'auto' });
		assert.deepEqual(preset.kept, ['epochs']);
		assert.match(
			preset.reason,
			/, 3 epochs \(yours\),/,
			'the sentence gives the value training runs with',
		);
		assert.doesNotMatch(preset.reason, /20 epochs/);
	});
});

describe('training with the recipe options on an imbalanced folder', () => {
	const dir = tempDir();

	it('weighs the rare class, clips, trains the body slower, reports all of it and leaves no tensor behind', async () => {
		await testBackend();
		await writeSyntheticDataset(dir, { classes: 3, perClass: 20, size: 40, seed: 3 });
		const { data } = await trainingDataFromFolder(dir, { validationSplit: 0.25, seed: 1 });
		// Keep a quarter of the last class's training images: 15 / 15 / 4.
		let kept = 0;
		const imbalanced = { ...data, train: data.train.filter((s) => s.label !== 2 || kept++ < 4) };
		const tensors = tf.memory().numTensors;
		const result = await train(
			imbalanced,
			{
				epochs: 2,
				batchSize: 8,
				imageSize: SIZE,
				learningRate: 1e-3,
				optimizer: 'adamw',
				labelSmoothing: 0.1,
				gradientClipNorm: 0.5,
				bodyLearningRateFactor: 0.1,
				seed: 3,
			},
			{ threads: 1 },
		);
		const weights = result.objective.classWeights!;
		assert.ok(
			weights[data.classes[2]] > weights[data.classes[0]] * 3,
			`rare class weighs more: ${JSON.stringify(weights)}`,
		);
		assert.match(result.objective.classWeightsReason, /balanced class weights/);
		assert.equal(result.objective.labelSmoothing, 0.1);
		assert.ok(
			result.history.every((h) => h.clippedSteps !== undefined && h.clippedSteps > 0),
			'every epoch says how many steps were clipped',
		);
		assert.equal(result.options.bodyLearningRateFactor, 0.1);
		assert.equal(result.model.metadata.training?.gradientClipNorm, 0.5);
		result.model.network.dispose();
		assert.equal(tf.memory().numTensors, tensors);
	});
});
