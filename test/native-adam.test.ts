import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as tf from '../lib/compute/tf';
import { onNativeBackend } from '../lib/compute/native-backend';
import { NativeAdam } from '../lib/train/native-adam';
import { createAdam } from '../lib/train/optimizers';
import { setLearningRate } from '../lib/train/schedule';
import { testBackend } from './support/backend';
import { random } from './support/conv-cases';

// A conv kernel, a batch-norm vector and a classifier matrix: the shapes ResNet-18 hands the optimiser.
const SHAPES: number[][] = [[3, 3, 4, 6], [6], [10, 6]];

function makeVariables(tag: string): tf.Variable[] {
	return SHAPES.map((shape, i) =>
		tf.variable(tf.tensor(random(shape, 10 + i), shape), true, `${tag}-${i}`),
	);
}

function gradientsFor(variables: tf.Variable[], step: number): tf.NamedTensorMap {
	return Object.fromEntries(
		variables.map((v, i) => [v.name, tf.tensor(random(v.shape, 100 * step + i), v.shape)]),
	);
}

/** Steps with a changing rate and, between steps, a change made outside the optimiser (as AdamW's decay is). */
function train(optimizer: tf.Optimizer, variables: tf.Variable[], steps: number, from = 0): void {
	for (let step = from; step < from + steps; step++) {
		setLearningRate(optimizer, 1e-2 / (step + 1));
		const grads = gradientsFor(variables, step);
		optimizer.applyGradients(grads);
		tf.dispose(Object.values(grads));
		tf.tidy(() => variables.forEach((v) => v.assign(tf.mul(v, 0.999))));
	}
}

function maxDifference(a: tf.Variable[], b: tf.Variable[]): number {
	return Math.max(...a.map((v, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(v, b[i]))).dataSync()[0])));
}

const native = process.env.RESNET18_TEST_BACKEND === 'cpu-native';
const onNative = native ? it : it.skip;

describe("Adam on TensorFlow through TF's fused kernel (native backend; RESNET18_TEST_BACKEND=cpu-native)", () => {
	beforeAll(testBackend);
	const made: tf.Variable[] = [];
	const variables = (tag: string) => {
		const v = makeVariables(tag);
		made.push(...v);
		return v;
	};
	afterAll(() => tf.dispose(made));

	onNative(
		'training uses it on native, and it updates as tfjs’s Adam does (torch’s arithmetic)',
		() => {
			assert.ok(onNativeBackend(), 'runs on the native backend');
			const fused = createAdam(1e-2);
			assert.ok(fused instanceof NativeAdam, 'createAdam picks the fused kernel on native');
			const reference = tf.train.adam(1e-2, 0.9, 0.999, 1e-8);
			const a = variables('fused');
			const b = variables('reference');
			const start = maxDifference(a, b);
			assert.equal(start, 0);
			train(fused, a, 8);
			train(reference, b, 8);
			const moved = maxDifference(a, variables('start'));
			assert.ok(moved > 1e-3, `the weights moved (${moved})`);
			assert.ok(maxDifference(a, b) < 1e-6, `max |Δ| vs tfjs's Adam ${maxDifference(a, b)}`);
			fused.dispose();
			reference.dispose();
		},
	);

	onNative('no tensor outlives a step, and dispose() frees its TF variables', () => {
		const v = variables('count');
		const optimizer = new NativeAdam(1e-3);
		train(optimizer, v, 1); // the first step makes the optimiser's state
		const before = tf.memory().numTensors;
		train(optimizer, v, 3, 1);
		assert.equal(tf.memory().numTensors, before, 'stable across steps');
		optimizer.dispose();
		assert.equal(
			tf.memory().numTensors,
			before - 3 * v.length,
			'three handles per weight, all freed',
		);
	});

	onNative('a disposed optimiser gives its memory back to TensorFlow (anonymous resources)', () => {
		// 4 M weights: 48 MB of state per optimiser, 1.4 GB over 30 if the resources outlived their handles.
		const big = tf.variable(tf.zeros([4_000_000]), true, 'big');
		made.push(big);
		const grad = { big: tf.onesLike(big) };
		const once = () => {
			const optimizer = new NativeAdam(1e-3);
			optimizer.applyGradients(grad);
			optimizer.dispose();
		};
		once();
		const before = process.memoryUsage().rss;
		for (let i = 0; i < 30; i++) once();
		const grown = (process.memoryUsage().rss - before) / 2 ** 20;
		tf.dispose(grad.big);
		assert.ok(grown < 200, `RSS grew ${grown.toFixed(0)} MiB over 30 optimisers`);
	});

	onNative(
		'getWeights / setWeights carry the state: a restored optimiser goes on as the original',
		async () => {
			const a = variables('saved');
			const b = variables('restored');
			const original = new NativeAdam(1e-2);
			train(original, a, 3);
			const weights = await original.getWeights();
			assert.equal(weights.length, 1 + 2 * a.length, 'iterations, then m and v per weight');
			const restored = new NativeAdam(1e-2);
			await restored.setWeights(
				weights.map(({ name, tensor }) => ({ name: name.replace('saved', 'restored'), tensor })),
			);
			tf.tidy(() => a.forEach((v, i) => b[i].assign(v)));
			tf.dispose(weights.map((w) => w.tensor));
			assert.equal(restored.iterations, 3);
			train(original, a, 2, 3);
			train(restored, b, 2, 3);
			assert.ok(maxDifference(a, b) < 1e-7, `max |Δ| ${maxDifference(a, b)}`);
			original.dispose();
			restored.dispose();
		},
	);
});
