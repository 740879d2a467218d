import { backendFor } from '../compute/backend';
import { threadsFromEnvironment } from '../compute/threads';
import type { AugmentationPreset } from '../data/augment';
import { resizeBeforeCrop } from '../data/eval-crop';
import { IMAGENET_NORMALIZATION } from '../data/normalization';
import type { TrainingData } from '../data/training-data';
import { InvalidParameterError } from '../errors';
import { recommendFor } from '../model-card/recommend';
import { MODEL_FORMAT } from '../model-file/metadata';
import { ResNet18 } from '../model/resnet18';
import { packageVersion } from '../version';
import { autoPreset } from './auto-preset';
import { BestCheckpoint } from './best-checkpoint';
import {
	abortOn,
	hostPause,
	learningRateSchedule,
	reportProgress,
	stopOnDivergence,
} from './callbacks';
import { cachedFeed } from './feeds/cached';
import { classifierCut, lastStageCut } from './feeds/frozen-cuts';
import { streamedFeed } from './feeds/streamed';
import { planFineTune } from './fine-tune';
import { fit, type TrainingFeed } from './fit';
import { microBatchSize } from './micro-batch';
import { classWeightsFor, type Objective } from './objective';
import { datasetSnapshot, type DatasetSnapshot } from '../data/snapshot';
import { withDefaults } from '../options/resolve';
import {
	checkTrainOptions,
	TRAIN_DEFAULTS,
	TRAINING_OPTIONS,
	type TrainOptions,
	type TrainOptionsInput,
} from './options';
import { ParallelTrainer } from './parallel/trainer';
import type { EpochRecord, TrainResult, TrainRun } from './types';
import { ParameterUpdater } from './updater';

export type {
	EpochRecord,
	LabelledImage,
	TrainingData,
	TrainingProgress,
	TrainResult,
	TrainRun,
} from './types';
import { CURRENT_PREPROCESSING } from '../data/preprocessing';

/**
 * Fine-tune (or train from scratch) a ResNet-18 on labelled images: options resolved once → the fine-tuning depth
 * planned → network and optimiser → the one loop (`fit`) over the depth's feed, with the run's features as
 * callbacks → the model holding the saved epoch's weights, and that epoch's figures.
 */
export async function train(
	data: TrainingData,
	options: TrainOptionsInput = {},
	run: TrainRun = {},
): Promise<TrainResult> {
	// Checked once; Auto's choices go under the options given, the table's defaults under both.
	const given = checkTrainOptions(options);
	checkData(data);
	const backend = await backendFor(run.backend);
	const preset =
		(given.preset ?? TRAIN_DEFAULTS.preset) === 'auto'
			? autoPreset(data.train.length, backend.kind, given)
			: undefined;
	const requested: TrainOptions = withDefaults(TRAINING_OPTIONS, { ...preset?.chosen, ...given });
	const augment: AugmentationPreset =
		requested.augment === 'auto' ? recommendFor(data.train.length).augmentation : requested.augment;
	const opts = { ...requested, augment };
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
	const checkpoint = new BestCheckpoint(network, opts.keepBest, opts.earlyStoppingPatience);
	let history: EpochRecord[];
	let featureEngine: string | undefined;
	let threads = 1;
	let restoredEpoch: number | undefined;
	let parallel: ParallelTrainer | undefined;
	let snapshot: DatasetSnapshot;
	try {
		let feed: TrainingFeed;
		if (fineTune.depth === 'full') {
			const wanted = ParallelTrainer.threadsFor(
				backend.kind,
				run.threads ?? threadsFromEnvironment(),
				opts.batchSize,
			);
			if (wanted > 1 && opts.batchSize > 1)
				parallel = await ParallelTrainer.start(network, wanted, backend.kind, objective);
			threads = parallel?.threads ?? 1;
			feed = streamedFeed(
				network,
				updater,
				objective,
				data,
				{ ...opts, microBatch },
				parallel,
				run.signal,
			);
		} else {
			const cut =
				fineTune.depth === 'head'
					? classifierCut(network)
					: lastStageCut(network, opts.imageSize, opts.augment, {
							train: data.train.length,
							validation: data.validation.length,
						});
			({ feed, featureEngine } = await cachedFeed(
				network,
				updater,
				objective,
				data,
				cut,
				opts,
				run,
			));
		}
		// After every refusal that needs no image (memory, options), before the first epoch: the files the epochs read.
		snapshot = await datasetSnapshot(data, { augmentation: augment });
		history = await fit(
			feed,
			{
				epochs: opts.epochs,
				evalSteps: opts.evalSteps,
				updater,
				clipping: opts.gradientClipNorm > 0,
			},
			[
				abortOn(run.signal),
				learningRateSchedule(updater, opts),
				// Before progress: a NaN step is reported as the error, not as a batch.
				stopOnDivergence(),
				reportProgress(run.onProgress),
				hostPause(),
				checkpoint,
			],
		);
		restoredEpoch = checkpoint.restore(history[history.length - 1].epoch);
		// Validation folded the weights of its epoch; the model handed back holds its own tensors only.
		network.releaseInferenceCache();
	} catch (error) {
		network.dispose();
		throw error;
	} finally {
		await parallel?.close();
		updater.dispose();
	}
	const lastEpoch = history[history.length - 1];
	// The model holds the restored epoch's weights when one was restored: every figure reported is that epoch's.
	const savedEpoch = history.find((h) => h.epoch === restoredEpoch) ?? lastEpoch;
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
				resizeSize: resizeBeforeCrop(opts.imageSize),
				preprocessing: CURRENT_PREPROCESSING,
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
				dataset: { snapshot: snapshot.id, validation: snapshot.validation },
				metrics: {
					epochs: history.length,
					savedEpoch: savedEpoch.epoch,
					trainLoss: savedEpoch.trainLoss,
					trainAccuracy: savedEpoch.trainAccuracy,
					validationLoss: savedEpoch.validationLoss,
					validationAccuracy: savedEpoch.validationAccuracy,
				},
			},
		},
		history,
		savedEpoch,
		lastEpoch,
		backend,
		seconds,
		classifierReplaced: network.classifierReplaced,
		fineTune: { ...fineTune, featureEngine },
		microBatch: fineTune.depth === 'full' && microBatch < opts.batchSize ? microBatch : undefined,
		threads,
		restoredEpoch,
		stoppedEarly:
			lastEpoch.epoch < opts.epochs
				? { afterEpoch: lastEpoch.epoch, patience: opts.earlyStoppingPatience }
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
	// The same rule as for a folder (manifestToTrainingData), for data built by hand: with fewer than 2 classes that
	// have a training image there is nothing to tell apart.
	const trained = new Set(data.train.map((s) => s.label));
	if (trained.size < 2) {
		const empty = data.classes.filter((_, i) => !trained.has(i)).map((c) => `"${c}"`);
		throw new InvalidParameterError(
			'dataset',
			`needs training images in at least 2 classes, found ${trained.size === 1 ? `only "${data.classes[[...trained][0]]}"` : 'none'}; no training images in ${empty.join(', ')}`,
		);
	}
}
