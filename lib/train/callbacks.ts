import { HostYield } from '../compute/host-yield';
import { TrainingAbortedError, TrainingDivergedError, type EarlierEpoch } from '../errors';
import type { BatchPosition, StepOutcome, TrainingCallback } from './fit';
import { learningRateAt } from './schedule';
import type { EpochRecord, TrainingProgress } from './types';
import type { ParameterUpdater } from './updater';

/** The one place that turns a stop request into the error every caller sees. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted)
		throw new TrainingAbortedError('Training was stopped before it finished; no model was written');
}

/** Ends training at the next step or validation once `signal` is aborted. */
export function abortOn(signal: AbortSignal | undefined): TrainingCallback {
	return {
		beforeStep: () => throwIfAborted(signal),
		beforeValidation: () => throwIfAborted(signal),
	};
}

/** Sets the optimiser's rate before every step: the schedule's one call. */
export function learningRateSchedule(
	updater: ParameterUpdater,
	opts: {
		readonly learningRate: number;
		readonly schedule: 'constant' | 'cosine';
		readonly warmupEpochs: number;
		readonly epochs: number;
	},
): TrainingCallback {
	return {
		beforeStep: (at: BatchPosition) =>
			updater.setLearningRate(
				learningRateAt(
					opts.learningRate,
					opts.schedule,
					opts.warmupEpochs,
					at.epoch,
					at.batch,
					at.batches,
					opts.epochs,
				),
			),
	};
}

/** Batch and epoch progress for the caller (the node's log, the CLI's output, the training thread's relay). */
export function reportProgress(
	onProgress: ((progress: TrainingProgress) => void) | undefined,
): TrainingCallback {
	if (!onProgress) return {};
	return {
		afterStep: (at: BatchPosition, step: StepOutcome) =>
			onProgress({ kind: 'batch', ...at, loss: step.loss }),
		afterEpoch: (record: EpochRecord, epochs: number) => {
			onProgress({ kind: 'epoch', record, epochs });
		},
	};
}

/** Lets n8n (and the request that stops this run) get on between steps: see HostYield. */
export function hostPause(): TrainingCallback {
	const host = new HostYield();
	return { afterStep: () => host.maybe() };
}

/**
 * Ends training at the first step whose loss is not finite, or the first validation whose loss is not: from there every update is NaN, and a model saved after
 * it (or restored from a checkpoint the caller never asked about) would hide that the run failed. The error names the
 * step and the best epoch validated before it, so the user knows how far the run got.
 */
export function stopOnDivergence(): TrainingCallback {
	let best: EarlierEpoch | undefined;
	return {
		afterStep: (at: BatchPosition, step: StepOutcome) => {
			if (!Number.isFinite(step.loss))
				throw new TrainingDivergedError(at.epoch, at.batch, step.loss, best);
		},
		afterEpoch: (record: EpochRecord) => {
			// A validation loss that is not finite means the network puts out NaN or infinite logits (the loss is a
			// log-softmax, finite for any finite logits): a model saved now would classify nothing.
			const loss = record.validationLoss;
			if (loss !== undefined && !Number.isFinite(loss))
				throw new TrainingDivergedError(record.epoch, 0, loss, best, 'validation');
			const accuracy = record.validationAccuracy;
			if (
				accuracy !== undefined &&
				Number.isFinite(accuracy) &&
				(!best || accuracy > best.validationAccuracy)
			)
				best = { epoch: record.epoch, validationAccuracy: accuracy };
		},
	};
}
