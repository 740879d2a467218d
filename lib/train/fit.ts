import type { ParameterUpdater } from './updater';
import type { EpochRecord } from './types';

/** Where the loop is: the batch about to be (or just) stepped. */
export interface BatchPosition {
	readonly epoch: number;
	/** 1-based, counting every batch of the epoch (also one left out by the feed). */
	readonly batch: number;
	readonly batches: number;
}

/** One optimiser step's outcome on `images` images. */
export interface StepOutcome {
	readonly images: number;
	readonly loss: number;
	readonly correct: number;
}

/**
 * What differs between fine-tuning depths: where batches come from and what one step computes. Full fine-tuning
 * streams augmented images through the whole network; the frozen-body depths step on cached activations.
 */
export interface TrainingFeed {
	readonly batchesPerEpoch: number;
	/**
	 * The epoch's steps, one per batch; `beforeStep` runs before each step (learning rate, abort) and may throw.
	 * A batch that cannot be stepped (see batch-norm-rule.ts) is counted but yields nothing.
	 */
	epoch(epoch: number, beforeStep: (at: BatchPosition) => void): AsyncIterable<StepOutcome>;
	/** Loss and accuracy on the validation images, in eval mode; undefined when there are none. */
	validate(): Promise<{ readonly loss: number; readonly accuracy: number } | undefined>;
}

/**
 * A feature of training that hooks into the loop (the Keras/fastai pattern): learning-rate schedule, abort, progress,
 * host pauses, best checkpoint and early stopping. Hooks run in the order the callbacks are given.
 */
export interface TrainingCallback {
	/** Before each step; may throw to end training (abort). */
	beforeStep?(at: BatchPosition): void;
	/** After each step. */
	afterStep?(at: BatchPosition, step: StepOutcome): void | Promise<void>;
	/** Before the validation pass of an epoch; may throw to end training (abort). */
	beforeValidation?(epoch: number): void;
	/** After each epoch's record; returning true stops training after this epoch (early stopping). */
	afterEpoch?(record: EpochRecord, epochs: number): boolean | void;
}

export interface FitPlan {
	readonly epochs: number;
	/** Validate every N epochs, and always after the last. */
	readonly evalSteps: number;
	/** The optimiser, whose clipped-step count goes into each record when clipping is on. */
	readonly updater: ParameterUpdater;
	readonly clipping: boolean;
}

/** The one training loop: epochs of feed steps, validation on the eval-steps cadence, callbacks around both. */
export async function fit(
	feed: TrainingFeed,
	plan: FitPlan,
	callbacks: readonly TrainingCallback[],
): Promise<EpochRecord[]> {
	const history: EpochRecord[] = [];
	const beforeStep = (at: BatchPosition) => {
		for (const c of callbacks) c.beforeStep?.(at);
	};
	for (let epoch = 1; epoch <= plan.epochs; epoch++) {
		const started = Date.now();
		let lossSum = 0;
		let correct = 0;
		let seen = 0;
		let batch = 0;
		for await (const step of feed.epoch(epoch, (at) => {
			batch = at.batch;
			beforeStep(at);
		})) {
			lossSum += step.loss * step.images;
			correct += step.correct;
			seen += step.images;
			const at = { epoch, batch, batches: feed.batchesPerEpoch };
			for (const c of callbacks) await c.afterStep?.(at, step);
		}
		const clipped = plan.updater.takeClippedSteps();
		let record: EpochRecord = {
			epoch,
			trainLoss: seen > 0 ? lossSum / seen : Number.NaN,
			trainAccuracy: seen > 0 ? correct / seen : 0,
			seconds: 0,
			...(plan.clipping ? { clippedSteps: clipped } : {}),
		};
		if (epoch % plan.evalSteps === 0 || epoch === plan.epochs) {
			for (const c of callbacks) c.beforeValidation?.(epoch);
			const validated = await feed.validate();
			if (validated)
				record = {
					...record,
					validationLoss: validated.loss,
					validationAccuracy: validated.accuracy,
				};
		}
		record = { ...record, seconds: (Date.now() - started) / 1000 };
		history.push(record);
		let stop = false;
		for (const c of callbacks) stop = c.afterEpoch?.(record, plan.epochs) === true || stop;
		if (stop) break;
	}
	return history;
}
