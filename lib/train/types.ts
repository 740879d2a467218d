import type { BackendChoice, BackendReport } from '../compute/backend';
import type { TrainedModel } from '../model-file/model-file';
import type { StateDict } from '../weights/host-tensor';
import type { AutoPreset } from './auto-preset';
import type { FineTunePlan } from './fine-tune';
import type { TrainOptions } from './options';

export type { TrainingData } from '../data/training-data';
export type { LabelledImage } from '../data/labelled-image';

/** One epoch's figures. */
export interface EpochRecord {
	readonly epoch: number;
	readonly trainLoss: number;
	readonly trainAccuracy: number;
	/** Present on epochs where validation ran (every `evalSteps` epochs and the last). */
	readonly validationLoss?: number;
	readonly validationAccuracy?: number;
	readonly seconds: number;
	/** Steps whose gradients were scaled down to the clipping norm (only when clipping is on). */
	readonly clippedSteps?: number;
}

export type TrainingProgress =
	| {
			readonly kind: 'batch';
			readonly epoch: number;
			readonly batch: number;
			readonly batches: number;
			readonly loss: number;
	  }
	| { readonly kind: 'epoch'; readonly record: EpochRecord; readonly epochs: number }
	| {
			readonly kind: 'features';
			readonly view: string;
			readonly batch: number;
			readonly batches: number;
	  };

/** How one run is carried out, as opposed to what it learns (the options). */
export interface TrainRun {
	readonly onProgress?: (progress: TrainingProgress) => void;
	/** Aborting stops training at the next batch; nothing is returned and nothing is written. */
	readonly signal?: AbortSignal;
	/** Starting weights (torchvision names); the classifier is replaced when its class count differs. */
	readonly initialWeights?: StateDict;
	readonly backend?: BackendChoice;
	readonly name?: string;
	/** Threads for full fine-tuning on WASM/JS (default: one per core while every thread gets ≥ 8 images of a batch; RESNET18_THREADS sets it). */
	readonly threads?: number;
}

export interface TrainResult {
	readonly model: TrainedModel;
	readonly history: readonly EpochRecord[];
	/**
	 * The epoch whose weights the model holds: the best validated one with Keep Best (highest validation accuracy,
	 * ties: lower loss), else the last. The model file's metrics and every reported validation figure are its.
	 */
	readonly savedEpoch: EpochRecord;
	/** The last epoch trained (the same as `savedEpoch` unless an earlier one was kept). */
	readonly lastEpoch: EpochRecord;
	readonly backend: BackendReport;
	readonly seconds: number;
	readonly classifierReplaced: boolean;
	/** Threads that computed gradients (full fine-tuning on WASM/JS uses one per core). */
	readonly threads: number;
	/** Images per forward/backward pass when a batch is split to fit the WebAssembly heap (full fine-tuning). */
	readonly microBatch?: number;
	/** Set when the model holds an earlier epoch's weights than the last, because a later one validated worse (keepBest). */
	readonly restoredEpoch?: number;
	/** Set when early stopping ended training before the last epoch. */
	readonly stoppedEarly?: { readonly afterEpoch: number; readonly patience: number };
	/** Which layers were trained, and why; for classifier-only training, which engine computed the features. */
	readonly fineTune: FineTunePlan & { readonly featureEngine?: string };
	/** The options training ran with, after Auto and the model card's defaults. */
	readonly options: TrainOptions;
	/** What *Auto* chose, when it was asked for. */
	readonly preset?: AutoPreset;
	/** The loss minimised: label smoothing, class weights (by class name) and why. */
	readonly objective: {
		readonly labelSmoothing: number;
		readonly classWeights?: Readonly<Record<string, number>>;
		readonly classWeightsReason: string;
	};
}
