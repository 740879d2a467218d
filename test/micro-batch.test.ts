import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as tf from '../lib/compute/tf';
import { createRng } from '../lib/data/random';
import { ResNet18 } from '../lib/model/resnet18';
import { accumulatedStep, microBatchSize } from '../lib/train/micro-batch';
import { trainingStep } from '../lib/train/step';
import { testBackend } from './support/backend';
import type { Objective } from '../lib/train/objective';

const OBJECTIVE: Objective = { labelSmoothing: 0.1, classWeights: [1, 2, 0.5] };

describe('batches larger than the WebAssembly heap holds: gradient accumulation over micro-batches', () => {
	beforeAll(testBackend);

	it('splits only on WASM/JS, by input size, and never beyond the batch', () => {
		assert.equal(microBatchSize(128, 224, 'wasm'), 8);
		assert.equal(microBatchSize(16, 224, 'js'), 8);
		assert.equal(microBatchSize(128, 112, 'wasm'), 32);
		assert.equal(microBatchSize(4, 224, 'wasm'), 4);
		assert.equal(microBatchSize(128, 224, 'gpu'), 128);
		assert.equal(microBatchSize(128, 224, 'cpu-native'), 128);
	});

	it('makes the same update as one step over the whole batch (where batch statistics agree)', async () => {
		// Identical images give every micro-batch the whole batch's batch-norm statistics, so the two must agree.
		const size = 64;
		const rng = createRng(4);
		const one = Float32Array.from({ length: size * size * 3 }, () => rng.next() * 2 - 1);
		const images = new Float32Array(8 * one.length);
		for (let i = 0; i < 8; i++) images.set(one, i * one.length);
		const labels = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]);
		const a = ResNet18.initialize(3, 9);
		const b = ResNet18.fromStateDict(a.toStateDict());
		const before = tf.memory().numTensors;
		const sgdA = tf.train.sgd(0.1);
		const sgdB = tf.train.sgd(0.1);
		const x = tf.tensor4d(images, [8, size, size, 3]);
		// A weighted, smoothed objective: its normaliser belongs to the whole batch, not to each part.
		const whole = await trainingStep(a, sgdA, x, labels, OBJECTIVE);
		x.dispose();
		const split = await accumulatedStep(b, sgdB, images, labels, size, 3, OBJECTIVE);
		assert.ok(Math.abs(whole.loss - split.loss) < 1e-4, `loss ${whole.loss} vs ${split.loss}`);
		assert.equal(whole.correct, split.correct);
		const sa = a.toStateDict();
		const sb = b.toStateDict();
		for (const [name, t] of sa) {
			// Running statistics are updated once per micro-batch, as PyTorch does under gradient accumulation.
			if (t.dtype !== 'float32' || name.includes('running_')) continue;
			const u = sb.get(name)!.data as Float32Array;
			const v = t.data as Float32Array;
			let worst = 0;
			let scale = 0;
			for (let i = 0; i < v.length; i++) {
				worst = Math.max(worst, Math.abs(v[i] - u[i]));
				scale = Math.max(scale, Math.abs(v[i]));
			}
			assert.ok(worst <= 1e-4 * Math.max(1, scale), `${name}: max |Δ| ${worst}`);
		}
		sgdA.dispose();
		sgdB.dispose();
		assert.equal(tf.memory().numTensors, before, 'no tensor outlives the steps');
		a.dispose();
		b.dispose();
	});
});
