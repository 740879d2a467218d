import type { TransferredError } from '../../error-transfer';
import type { ModelMetadata } from '../../model-file/metadata';
import type { StateDict } from '../../weights/host-tensor';
import type { TrainOptionsInput } from '../options';
import type { TrainingData, TrainingProgress, TrainResult, TrainRun } from '../types';

/** What the training thread is started with: `train()`'s arguments, less what cannot cross threads. */
export interface TrainJob {
	readonly data: TrainingData;
	readonly options: TrainOptionsInput;
	readonly run: Omit<TrainRun, 'onProgress' | 'signal'>;
}

/** The result without the network, whose weights travel as a state dict. */
export type TransferredResult = Omit<TrainResult, 'model'> & {
	readonly metadata: ModelMetadata;
	readonly state: StateDict;
};

export type TrainThreadMessage =
	| { readonly kind: 'progress'; readonly progress: TrainingProgress }
	| { readonly kind: 'done'; readonly result: TransferredResult }
	| { readonly kind: 'failed'; readonly error: TransferredError };
