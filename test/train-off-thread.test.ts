import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as tf from '../lib/compute/tf';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { FileError, InvalidParameterError, TrainingAbortedError } from '../lib/errors';
import { trainOffThread, type OffThreadResult } from '../lib/train/off-thread/train-off-thread';
import { trainingDataFromFolder, type TrainingData } from '../lib/data/training-data';
import { train, type TrainResult } from '../lib/train/train';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';

const OPTIONS = {
	epochs: 1,
	batchSize: 8,
	learningRate: 1e-3,
	imageSize: 64,
	seed: 7,
	augment: 'standard',
	fineTune: 'full',
};

/** The longest the event loop of this thread was held up while `run` ran, in ms. */
async function longestStall<T>(run: () => Promise<T>): Promise<{ value: T; stallMs: number }> {
	const histogram = monitorEventLoopDelay({ resolution: 10 });
	histogram.enable();
	try {
		const value = await run();
		return { value, stallMs: histogram.max / 1e6 };
	} finally {
		histogram.disable();
	}
}

describe('training on a thread of its own (what the Train node does on every backend: n8n stays responsive)', () => {
	let data: TrainingData;
	let here: { value: TrainResult; stallMs: number };
	let there: { value: OffThreadResult; stallMs: number };
	let tensorsBefore: number;
	const folder = tempDir();

	beforeAll(async () => {
		await testBackend();
		const dir = path.join(folder, 'shapes');
		await writeSyntheticDataset(dir, { classes: 3, perClass: 12, size: 80, seed: 1 });
		({ data } = await trainingDataFromFolder(dir, { validationSplit: 0.25, seed: 7 }));
		here = await longestStall(() => train(data, OPTIONS, { threads: 1 }));
		tensorsBefore = tf.memory().numTensors;
		there = await longestStall(() => trainOffThread(data, OPTIONS, { threads: 1 }));
	});

	it('makes the same model as training on this thread', () => {
		assert.equal(there.value.trainedOn, 'worker thread');
		assert.deepEqual(
			there.value.history.map((h) => [
				h.trainLoss,
				h.trainAccuracy,
				h.validationLoss,
				h.validationAccuracy,
			]),
			here.value.history.map((h) => [
				h.trainLoss,
				h.trainAccuracy,
				h.validationLoss,
				h.validationAccuracy,
			]),
		);
		const theirs = there.value.model.network.toStateDict();
		let worst = 0;
		for (const [name, tensor] of here.value.model.network.toStateDict()) {
			const other = theirs.get(name)!;
			assert.deepEqual(other.shape, tensor.shape, name);
			if (tensor.dtype === 'float32')
				for (let i = 0; i < tensor.data.length; i++)
					worst = Math.max(worst, Math.abs(tensor.data[i] - (other.data as Float32Array)[i]));
			else assert.deepEqual(other.data, tensor.data, name);
		}
		assert.equal(worst, 0, `max |Δ weight| ${worst}`);
		assert.deepEqual(there.value.model.metadata.classes, here.value.model.metadata.classes);
		assert.equal(there.value.backend.kind, here.value.backend.kind);
	});

	it('holds up this thread a small fraction of what training here does', () => {
		const steps = here.value.history[0].seconds;
		assert.ok(
			here.stallMs > 100,
			`training here stalled this thread ${here.stallMs.toFixed(0)} ms at most (epoch ${steps} s)`,
		);
		console.log(
			`longest stall of this thread: ${here.stallMs.toFixed(0)} ms training here, ${there.stallMs.toFixed(0)} ms training on a thread of its own`,
		);
		assert.ok(
			there.stallMs < here.stallMs / 2,
			`off-thread ${there.stallMs.toFixed(0)} ms vs here ${here.stallMs.toFixed(0)} ms`,
		);
	});

	it('leaves no tensors behind on this thread but the model it returns', () => {
		there.value.model.network.dispose();
		assert.equal(tf.memory().numTensors, tensorsBefore);
		here.value.model.network.dispose();
	});

	it('stops at once when aborted: no result, no further progress, no tensors', async () => {
		const before = tf.memory().numTensors;
		const controller = new AbortController();
		const seen: string[] = [];
		let stoppedAt = 0;
		await assert.rejects(
			trainOffThread(
				data,
				{ ...OPTIONS, epochs: 3 },
				{
					signal: controller.signal,
					onProgress: (p) => {
						seen.push(stoppedAt ? `after stop: ${p.kind}` : p.kind);
						if (p.kind === 'batch' && !stoppedAt) {
							stoppedAt = seen.length;
							controller.abort();
						}
					},
				},
			),
			TrainingAbortedError,
		);
		// Give a thread that were still running the time of a step to report.
		await new Promise((resolve) => setTimeout(resolve, 1500));
		assert.deepEqual(seen.slice(stoppedAt), []);
		assert.equal(tf.memory().numTensors, before);
	});

	it('reports a bad option or file as the same typed error, naming the parameter or the file', async () => {
		await assert.rejects(trainOffThread(data, { ...OPTIONS, epochs: 500 }), (error: unknown) => {
			assert.ok(error instanceof InvalidParameterError);
			assert.equal(error.parameter, 'epochs');
			assert.match(error.message, /epochs/);
			return true;
		});
		const missing = path.join(folder, 'gone.png');
		// One image of each class, so the two-class rule passes and the missing file is what fails.
		const onePerClass = data.train.filter(
			(sample, i, all) => all.findIndex((s) => s.label === sample.label) === i,
		);
		const broken = { ...data, train: [...onePerClass, { file: missing, label: 0 }] };
		await assert.rejects(trainOffThread(broken, OPTIONS), (error: unknown) => {
			assert.ok(error instanceof FileError, String(error));
			assert.equal(error.file, missing);
			return true;
		});
	});
});
