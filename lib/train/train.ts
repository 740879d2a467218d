import { backendFor, type BackendChoice, type BackendReport } from '../compute/backend';
import { IMAGENET_NORMALIZATION } from '../data/normalization';
import type { TrainingData } from '../data/training-data';
import { InvalidParameterError } from '../errors';
import type { TrainedModel } from '../model-file/model-file';
import { MODEL_FORMAT } from '../model-file/metadata';
import { ResNet18 } from '../model/resnet18';
import { packageVersion } from '../version';
import type { StateDict } from '../weights/host-tensor';
import { BestCheckpoint } from './best-checkpoint';
import { planFineTune, type FineTunePlan } from './fine-tune';
import { microBatchSize } from './micro-batch';
import { trainFull } from './full-fine-tune';
import { ParallelTrainer } from './parallel/trainer';
import { trainHeadOnly } from './head-only';
import { trainLastStage } from './last-stage';
import { recommendFor, type AugmentationPreset } from './recommend';
import { resolveTrainOptions, type TrainOptions, type TrainOptionsInput } from './options';
import { autoPreset, withPreset, type AutoPreset } from './auto-preset';
import { classWeightsFor, type Objective } from './objective';
import { ParameterUpdater } from './updater';
import type { TrainingSession } from './session';
import { threadsFromEnvironment } from '../compute/threads';

export type { LabelledImage } from '../data/labelled-image';
export type { TrainingData };

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
	/** Epoch with the best validation accuracy (ties: lower loss), or the last when nothing was validated. */
	readonly bestEpoch: number;
	readonly backend: BackendReport;
	readonly seconds: number;
	readonly classifierReplaced: boolean;
	/** Threads that computed gradients (full fine-tuning on WASM/JS uses one per core). */
	readonly threads: number;
	/** Images per forward/backward pass when a batch is split to fit the WebAssembly heap (full fine-tuning). */
	readonly microBatch?: number;
	/** The earlier epoch whose weights the model holds, when a later one validated worse (keepBest). */
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

/** Fine-tune (or train from scratch) a ResNet-18 with Adam on a folder's images. */
export async function train(
	data: TrainingData,
	options: TrainOptionsInput = {},
	run: TrainRun = {},
): Promise<TrainResult> {
	const given = resolveTrainOptions(options);
	checkData(data);
	const backend = await backendFor(run.backend);
	const preset =
		given.preset === 'auto' ? autoPreset(data.train.length, backend.kind, options) : undefined;
	const requested = preset ? resolveTrainOptions(withPreset(options, preset)) : given;
	const augmentation: AugmentationPreset =
		requested.augment === 'auto' ? recommendFor(data.train.length).augmentation : requested.augment;
	const opts = { ...requested, augment: augmentation };
	const weighting = classWeightsFor(
		opts.classWeights,
		data.train.map((s) => s.label),
		data.classes,
	);
	const objective: Objective = {
		labelSmoothing: opts.labelSmoothing,
		classWeights: weighting.weights,
	};
	const started = Date.now();
	const numClasses = data.classes.length;
	const network = run.initialWeights
		? ResNet18.fromStateDict(run.initialWeights, {
				numClasses,
				replaceClassifier: true,
				seed: opts.seed,
				file: 'initial weights',
			})
		: ResNet18.initialize(numClasses, opts.seed);
	const fineTune = planFineTune(opts.fineTune, backend.kind, run.initialWeights !== undefined, {
		trainImages: data.train.length,
		epochs: opts.epochs,
		imageSize: opts.imageSize,
	});
	const microBatch = microBatchSize(opts.batchSize, opts.imageSize, backend.kind);
	const updater = new ParameterUpdater(network, opts);
	let history: EpochRecord[];
	let featureEngine: string | undefined;
	let threads = 1;
	let restoredEpoch: number | undefined;
	const checkpoint = new BestCheckpoint(network, opts.keepBest, opts.earlyStoppingPatience);
	const session: TrainingSession = {
		network,
		updater,
		objective,
		data,
		opts,
		run,
		afterEpoch: (record) => checkpoint.afterEpoch(record),
	};
	try {
		if (fineTune.depth === 'head') ({ history, featureEngine } = await trainHeadOnly(session));
		else if (fineTune.depth === 'last-stage')
			({ history, featureEngine } = await trainLastStage(session));
		else
			({ history, threads } = await trainFull(
				session,
				microBatch,
				ParallelTrainer.threadsFor(
					backend.kind,
					run.threads ?? threadsFromEnvironment(),
					opts.batchSize,
				),
			));
		restoredEpoch = checkpoint.restore(history[history.length - 1].epoch);
		// Validation folded the weights of its epoch; the model handed back holds its own tensors only.
		network.releaseInferenceCache();
	} catch (error) {
		network.dispose();
		throw error;
	} finally {
		updater.dispose();
	}
	const bestEpoch = pickBestEpoch(history);
	const lastRecord = history[history.length - 1];
	// The saved weights are the restored best epoch's, when one was restored; the file's metrics must say the same.
	const last = history.find((h) => h.epoch === restoredEpoch) ?? lastRecord;
	const seconds = (Date.now() - started) / 1000;
	return {
		model: {
			network,
			metadata: {
				format: MODEL_FORMAT,
				architecture: 'resnet18',
				name: run.name,
				classes: [...data.classes],
				inputSize: opts.imageSize,
				resizeSize: Math.round((opts.imageSize * 256) / 224),
				normalization: IMAGENET_NORMALIZATION,
				packageVersion: packageVersion(),
				createdAt: new Date().toISOString(),
				training: {
					...opts,
					fineTune: fineTune.depth,
					fineTuneReason: fineTune.reason,
					featureEngine,
					microBatch: fineTune.depth === 'full' ? microBatch : undefined,
					threads,
					backend: backend.kind,
					trainImages: data.train.length,
					validationImages: data.validation.length,
					pretrained: run.initialWeights !== undefined,
					seconds,
				},
				metrics: {
					epochs: history.length,
					trainLoss: last.trainLoss,
					trainAccuracy: last.trainAccuracy,
					validationLoss: last.validationLoss,
					validationAccuracy: last.validationAccuracy,
				},
			},
		},
		history,
		bestEpoch,
		backend,
		seconds,
		classifierReplaced: network.classifierReplaced,
		fineTune: { ...fineTune, featureEngine },
		microBatch: fineTune.depth === 'full' && microBatch < opts.batchSize ? microBatch : undefined,
		threads,
		restoredEpoch,
		stoppedEarly:
			lastRecord.epoch < opts.epochs
				? { afterEpoch: lastRecord.epoch, patience: opts.earlyStoppingPatience }
				: undefined,
		options: requested,
		preset,
		objective: {
			labelSmoothing: opts.labelSmoothing,
			classWeights: weighting.weights
				? Object.fromEntries(data.classes.map((c, i) => [c, weighting.weights![i]]))
				: undefined,
			classWeightsReason: weighting.reason,
		},
	};
}

function checkData(data: TrainingData): void {
	if (data.classes.length < 2)
		throw new InvalidParameterError(
			'dataset',
			`needs at least 2 classes, found ${data.classes.length}`,
		);
	if (data.train.length === 0) throw new InvalidParameterError('dataset', 'has no training images');
	const bad = [...data.train, ...data.validation].find(
		(s) => !Number.isInteger(s.label) || s.label < 0 || s.label >= data.classes.length,
	);
	if (bad)
		throw new InvalidParameterError(
			'dataset',
			`${bad.file} has label ${bad.label}, outside 0–${data.classes.length - 1}`,
		);
}

function pickBestEpoch(history: readonly EpochRecord[]): number {
	let best: EpochRecord | undefined;
	for (const record of history) {
		if (record.validationAccuracy === undefined) continue;
		if (
			!best ||
			record.validationAccuracy > best.validationAccuracy! ||
			(record.validationAccuracy === best.validationAccuracy &&
				(record.validationLoss ?? Infinity) < (best.validationLoss ?? Infinity))
		) {
			best = record;
		}
	}
	return (best ?? history[history.length - 1]).epoch;
}
