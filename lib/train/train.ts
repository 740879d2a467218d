import * as tf from '../compute/tf';
import { activeBackend, useBackend, type BackendChoice, type BackendReport } from '../compute/backend';
import { imageBatches } from '../data/batches';
import { IMAGENET_NORMALIZATION } from '../data/normalization';
import { InvalidParameterError, TrainingAbortedError } from '../errors';
import { evaluateSamples } from '../eval/evaluate';
import type { TrainedModel } from '../model-file/model-file';
import { MODEL_FORMAT } from '../model-file/metadata';
import { ResNet18 } from '../model/resnet18';
import { packageVersion } from '../version';
import type { StateDict } from '../weights/host-tensor';
import { BestCheckpoint } from './best-checkpoint';
import { planFineTune, type FineTunePlan } from './fine-tune';
import { accumulatedStep, microBatchSize } from './micro-batch';
import { ParallelTrainer } from './parallel/trainer';
import { trainHeadOnly } from './head-only';
import { recommendFor, type AugmentationPreset } from './recommend';
import { applyWeightDecay, learningRateAt, setLearningRate } from './schedule';
import { createAdam, createSgd, trainingStep, type StepResult } from './step';
import { resolveTrainOptions, type TrainOptions, type TrainOptionsInput } from './options';

export interface LabelledImage {
	readonly file: string;
	readonly label: number;
}

export interface TrainingData {
	readonly classes: readonly string[];
	readonly train: readonly LabelledImage[];
	readonly validation: readonly LabelledImage[];
}

export interface EpochRecord {
	readonly epoch: number;
	readonly trainLoss: number;
	readonly trainAccuracy: number;
	/** Present on epochs where validation ran (every `evalSteps` epochs and the last). */
	readonly validationLoss?: number;
	readonly validationAccuracy?: number;
	readonly seconds: number;
}

export type TrainingProgress =
	| { readonly kind: 'batch'; readonly epoch: number; readonly batch: number; readonly batches: number; readonly loss: number }
	| { readonly kind: 'epoch'; readonly record: EpochRecord; readonly epochs: number }
	| { readonly kind: 'features'; readonly view: string; readonly batch: number; readonly batches: number };

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
}

/** Fine-tune (or train from scratch) a ResNet-18 with Adam on a folder's images. */
export async function train(data: TrainingData, options: TrainOptionsInput = {}, run: TrainRun = {}): Promise<TrainResult> {
	const requested = resolveTrainOptions(options);
	checkData(data);
	const augmentation: AugmentationPreset = requested.augment === 'auto' ? recommendFor(data.train.length).augmentation : requested.augment;
	const opts = { ...requested, augment: augmentation };
	const backend = run.backend ? await useBackend(run.backend) : (activeBackend() ?? (await useBackend('auto')));
	const started = Date.now();
	const numClasses = data.classes.length;
	const network = run.initialWeights
		? ResNet18.fromStateDict(run.initialWeights, { numClasses, replaceClassifier: true, seed: opts.seed, file: 'initial weights' })
		: ResNet18.initialize(numClasses, opts.seed);
	const fineTune = planFineTune(opts.fineTune, backend.kind, run.initialWeights !== undefined);
	const microBatch = microBatchSize(opts.batchSize, opts.imageSize, backend.kind);
	const optimizer = opts.optimizer === 'sgd' ? createSgd(opts.learningRate) : createAdam(opts.learningRate);
	let history: EpochRecord[];
	let featureEngine: string | undefined;
	let threads = 1;
	let restoredEpoch: number | undefined;
	const checkpoint = new BestCheckpoint(network, opts.keepBest, opts.earlyStoppingPatience);
	const afterEpoch = (record: EpochRecord) => checkpoint.afterEpoch(record);
	try {
		if (fineTune.depth === 'head') ({ history, featureEngine } = await trainHeadOnly(network, optimizer, data, opts, run, afterEpoch));
		else ({ history, threads } = await trainFull(network, optimizer, data, opts, run, microBatch, ParallelTrainer.threadsFor(backend.kind, run.threads ?? envThreads(), opts.batchSize), afterEpoch));
		restoredEpoch = checkpoint.restore(history[history.length - 1].epoch);
	} catch (error) {
		network.dispose();
		throw error;
	} finally {
		optimizer.dispose();
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
				training: { ...opts, fineTune: fineTune.depth, fineTuneReason: fineTune.reason, featureEngine, microBatch: fineTune.depth === 'full' ? microBatch : undefined, threads, backend: backend.kind, trainImages: data.train.length, validationImages: data.validation.length, pretrained: run.initialWeights !== undefined, seconds },
				metrics: { epochs: history.length, trainLoss: last.trainLoss, trainAccuracy: last.trainAccuracy, validationLoss: last.validationLoss, validationAccuracy: last.validationAccuracy },
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
		stoppedEarly: lastRecord.epoch < opts.epochs ? { afterEpoch: lastRecord.epoch, patience: opts.earlyStoppingPatience } : undefined,
	};
}

async function trainFull(
	network: ResNet18,
	optimizer: tf.Optimizer,
	data: TrainingData,
	opts: TrainOptions & { augment: AugmentationPreset },
	run: TrainRun,
	micro: number,
	threads: number,
	afterEpoch: (record: EpochRecord) => boolean,
): Promise<{ history: EpochRecord[]; threads: number }> {
	const history: EpochRecord[] = [];
	const parallel = threads > 1 && opts.batchSize > 1 ? await ParallelTrainer.start(network, threads, activeBackend()!.kind) : undefined;
	try {
		for (let epoch = 1; epoch <= opts.epochs; epoch++) {
			const epochStarted = Date.now();
			const { loss, accuracy } = await trainEpoch(network, optimizer, data, opts, epoch, run, micro, parallel);
			let record: EpochRecord = { epoch, trainLoss: loss, trainAccuracy: accuracy, seconds: 0 };
			if (data.validation.length > 0 && (epoch % opts.evalSteps === 0 || epoch === opts.epochs)) {
				throwIfAborted(run.signal);
				const evaluation = await evaluateSamples(network, data.validation, data.classes, { imageSize: opts.imageSize, batchSize: Math.max(opts.batchSize, 16), signal: run.signal });
				record = { ...record, validationLoss: evaluation.metrics.loss, validationAccuracy: evaluation.metrics.accuracy };
			}
			record = { ...record, seconds: (Date.now() - epochStarted) / 1000 };
			history.push(record);
			run.onProgress?.({ kind: 'epoch', record, epochs: opts.epochs });
			if (afterEpoch(record)) break;
		}
	} finally {
		await parallel?.close();
	}
	return { history, threads: parallel?.threads ?? 1 };
}

function envThreads(): number | undefined {
	const value = Number(process.env.RESNET18_THREADS);
	return Number.isInteger(value) && value > 0 ? value : undefined;
}

async function trainEpoch(
	network: ResNet18,
	optimizer: tf.Optimizer,
	data: TrainingData,
	opts: TrainOptions & { augment: AugmentationPreset },
	epoch: number,
	run: TrainRun,
	micro: number,
	parallel?: ParallelTrainer,
): Promise<{ loss: number; accuracy: number }> {
	const batches = Math.ceil(data.train.length / opts.batchSize);
	let lossSum = 0;
	let correct = 0;
	let seen = 0;
	let batchIndex = 0;
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
		const rate = learningRateAt(opts.learningRate, opts.schedule, opts.warmupEpochs, epoch, batchIndex, batches, opts.epochs);
		setLearningRate(optimizer, rate);
		const decay = () => {
			if (opts.optimizer === 'adamw') applyWeightDecay(network, rate, opts.weightDecay);
		};
		// A share of one image cannot be batch-normalised where the last stage is 1×1 (inputs under 64 px).
		if (parallel && (opts.imageSize >= 64 || n >= 2 * parallel.threads)) {
			step = await parallel.step(optimizer, batch.images, batch.labels, opts.imageSize, micro, decay);
		} else if (n > micro) {
			step = await accumulatedStep(network, optimizer, batch.images, batch.labels, opts.imageSize, micro);
			decay();
		} else {
			const x = tf.tensor4d(batch.images, [n, opts.imageSize, opts.imageSize, 3]);
			const labels = tf.tensor1d(batch.labels, 'int32');
			try {
				step = await trainingStep(network, optimizer, x, labels);
			} finally {
				tf.dispose([x, labels]);
			}
			decay();
		}
		lossSum += step.loss * n;
		correct += step.correct;
		seen += n;
		run.onProgress?.({ kind: 'batch', epoch, batch: batchIndex, batches, loss: step.loss });
	}
	return { loss: seen > 0 ? lossSum / seen : Number.NaN, accuracy: seen > 0 ? correct / seen : 0 };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) throw new TrainingAbortedError('Training was stopped before it finished; no model was written');
}

function checkData(data: TrainingData): void {
	if (data.classes.length < 2) throw new InvalidParameterError('dataset', `needs at least 2 classes, found ${data.classes.length}`);
	if (data.train.length === 0) throw new InvalidParameterError('dataset', 'has no training images');
	const bad = [...data.train, ...data.validation].find((s) => !Number.isInteger(s.label) || s.label < 0 || s.label >= data.classes.length);
	if (bad) throw new InvalidParameterError('dataset', `${bad.file} has label ${bad.label}, outside 0–${data.classes.length - 1}`);
}

function pickBestEpoch(history: readonly EpochRecord[]): number {
	let best: EpochRecord | undefined;
	for (const record of history) {
		if (record.validationAccuracy === undefined) continue;
		if (
			!best ||
			record.validationAccuracy > best.validationAccuracy! ||
			(record.validationAccuracy === best.validationAccuracy && (record.validationLoss ?? Infinity) < (best.validationLoss ?? Infinity))
		) {
			best = record;
		}
	}
	return (best ?? history[history.length - 1]).epoch;
}
