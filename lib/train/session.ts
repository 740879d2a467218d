import type { ResNet18 } from '../model/resnet18';
import type { Objective } from './objective';
import type { TrainOptions } from './options';
import type { AugmentationPreset } from './recommend';
import type { EpochRecord, TrainingData, TrainRun } from './train';
import type { ParameterUpdater } from './updater';

/** What every fine-tuning depth trains with: one run's network, optimiser, loss, data, options and callbacks. */
export interface TrainingSession {
	readonly network: ResNet18;
	readonly updater: ParameterUpdater;
	readonly objective: Objective;
	readonly data: TrainingData;
	/** The resolved options, augmentation chosen. */
	readonly opts: TrainOptions & { readonly augment: AugmentationPreset };
	readonly run: TrainRun;
	/** Called after each epoch's record (best-checkpoint bookkeeping); true stops training (early stopping). */
	readonly afterEpoch: (record: EpochRecord) => boolean;
}

/** An epoch's record of clipped steps, when clipping is on. */
export function clippedSteps(session: TrainingSession): { clippedSteps?: number } {
	const n = session.updater.takeClippedSteps();
	return session.opts.gradientClipNorm > 0 ? { clippedSteps: n } : {};
}
