import * as tf from '../compute/tf';
import { activeBackend } from '../compute/backend';
import { imageBatches } from '../data/batches';
import { TrainingAbortedError } from '../errors';
import { evaluateSamples } from '../eval/evaluate';
import { accumulatedStep } from './micro-batch';
import { ParallelTrainer } from './parallel/trainer';
import { HostYield } from '../compute/host-yield';
import { learningRateAt } from './schedule';
import { clippedSteps, type TrainingSession } from './session';
import { trainingStep, type StepResult } from './step';
import type { EpochRecord } from './train';

/**
 * Full fine-tuning: every layer learns, epoch by epoch, on streamed and augmented image batches — on worker threads
 * when the batch is large enough to split, in micro-batches when it does not fit the WebAssembly heap.
 */
export async function trainFull(
	session: TrainingSession,
	micro: number,
	threads: number,
): Promise<{ history: EpochRecord[]; threads: number }> {
	const { network, objective, data, opts, run } = session;
	const history: EpochRecord[] = [];
	const parallel =
		threads > 1 && opts.batchSize > 1
			? await ParallelTrainer.start(network, threads, activeBackend()!.kind, objective)
			: undefined;
	try {
		for (let epoch = 1; epoch <= opts.epochs; epoch++) {
			const epochStarted = Date.now();
			const { loss, accuracy } = await trainEpoch(session, epoch, micro, parallel);
			let record: EpochRecord = {
				epoch,
				trainLoss: loss,
				trainAccuracy: accuracy,
				seconds: 0,
				...clippedSteps(session),
			};
			if (data.validation.length > 0 && (epoch % opts.evalSteps === 0 || epoch === opts.epochs)) {
				throwIfAborted(run.signal);
				const evaluation = await evaluateSamples(network, data.validation, data.classes, {
					imageSize: opts.imageSize,
					batchSize: Math.max(opts.batchSize, 16),
					signal: run.signal,
				});
				record = {
					...record,
					validationLoss: evaluation.metrics.loss,
					validationAccuracy: evaluation.metrics.accuracy,
				};
			}
			record = { ...record, seconds: (Date.now() - epochStarted) / 1000 };
			history.push(record);
			run.onProgress?.({ kind: 'epoch', record, epochs: opts.epochs });
			if (session.afterEpoch(record)) break;
		}
	} finally {
		await parallel?.close();
	}
	return { history, threads: parallel?.threads ?? 1 };
}

async function trainEpoch(
	session: TrainingSession,
	epoch: number,
	micro: number,
	parallel?: ParallelTrainer,
): Promise<{ loss: number; accuracy: number }> {
	const { network, updater, objective, data, opts, run } = session;
	const batches = Math.ceil(data.train.length / opts.batchSize);
	let lossSum = 0;
	let correct = 0;
	let seen = 0;
	let batchIndex = 0;
	const host = new HostYield();
	for await (const batch of imageBatches(data.train, {
		batchSize: opts.batchSize,
		shuffle: opts.shuffle,
		seed: opts.seed * 1000 + epoch,
		mode: 'train',
		augmentation: opts.augment,
		cropSize: opts.imageSize,
	})) {
		throwIfAborted(run.signal);
		batchIndex++;
		const n = batch.labels.length;
		// Batch norm cannot normalise a single value per channel (torch raises); at inputs under 64 px the last stage is
		// 1×1, so a trailing batch of one image is left out of this epoch's step.
		if (n === 1 && opts.imageSize < 64) continue;
		let step: StepResult;
		updater.setLearningRate(
			learningRateAt(
				opts.learningRate,
				opts.schedule,
				opts.warmupEpochs,
				epoch,
				batchIndex,
				batches,
				opts.epochs,
			),
		);
		// A share of one image cannot be batch-normalised where the last stage is 1×1 (inputs under 64 px).
		if (parallel && (opts.imageSize >= 64 || n >= 2 * parallel.threads)) {
			step = await parallel.step(updater, batch.images, batch.labels, opts.imageSize, micro);
		} else if (n > micro) {
			step = await accumulatedStep(
				network,
				updater,
				batch.images,
				batch.labels,
				opts.imageSize,
				micro,
				objective,
			);
		} else {
			const x = tf.tensor4d(batch.images, [n, opts.imageSize, opts.imageSize, 3]);
			try {
				step = await trainingStep(network, updater, x, batch.labels, objective);
			} finally {
				x.dispose();
			}
		}
		lossSum += step.loss * n;
		correct += step.correct;
		seen += n;
		run.onProgress?.({ kind: 'batch', epoch, batch: batchIndex, batches, loss: step.loss });
		// Let n8n (and the request that stops this run) get on between steps.
		await host.maybe();
	}
	return { loss: seen > 0 ? lossSum / seen : Number.NaN, accuracy: seen > 0 ? correct / seen : 0 };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted)
		throw new TrainingAbortedError('Training was stopped before it finished; no model was written');
}
