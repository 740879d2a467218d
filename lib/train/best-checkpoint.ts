import type { ResNet18 } from '../model/resnet18';
import type { StateDict } from '../weights/host-tensor';
import type { TrainingCallback } from './fit';
import type { EpochRecord } from './types';

/**
 * Keeps the weights of the best validated epoch (highest validation accuracy, ties broken by lower loss) and tells
 * when to stop early: after `patience` validations in a row without a lower validation loss. The saved model is then
 * the best epoch's, not the last one's, and the report says which it is.
 */
export class BestCheckpoint implements TrainingCallback {
	private best?: { epoch: number; accuracy: number; loss: number; state?: StateDict };
	private lowestLoss = Number.POSITIVE_INFINITY;
	private withoutImprovement = 0;

	constructor(
		private readonly network: ResNet18,
		private readonly keepBest: boolean,
		private readonly patience: number,
	) {}

	/** Call after every epoch; returns true when training should stop. */
	afterEpoch(record: EpochRecord): boolean {
		if (record.validationAccuracy === undefined || record.validationLoss === undefined)
			return false;
		const { validationAccuracy: accuracy, validationLoss: loss } = record;
		if (
			!this.best ||
			accuracy > this.best.accuracy ||
			(accuracy === this.best.accuracy && loss < this.best.loss)
		) {
			// A host copy (~45 MB); taken only when the epoch is the best so far.
			this.best = {
				epoch: record.epoch,
				accuracy,
				loss,
				state: this.keepBest ? this.network.toStateDict() : undefined,
			};
		}
		if (loss < this.lowestLoss) {
			this.lowestLoss = loss;
			this.withoutImprovement = 0;
		} else {
			this.withoutImprovement++;
		}
		return this.patience > 0 && this.withoutImprovement >= this.patience;
	}

	/** Restore the best epoch's weights when a later epoch ended worse; returns the epoch restored, if any. */
	restore(lastEpoch: number): number | undefined {
		if (!this.best?.state || this.best.epoch === lastEpoch) return undefined;
		this.network.restoreStateDict(this.best.state);
		return this.best.epoch;
	}
}
