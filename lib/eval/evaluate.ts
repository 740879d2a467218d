import { concatFloat32 } from '../concat-float32';
import { imageBatches } from '../data/batches';
import { resamplerOf, type Resampler } from '../data/preprocessing';
import type { LabelledImage } from '../data/labelled-image';
import { TrainingAbortedError } from '../errors';
import { checkOption } from '../options/option';
import { EVALUATE_OPTIONS } from '../options/evaluate';
import { predictProbabilities } from '../infer/predict';
import {
	averageViews,
	TTA_VIEWS,
	ttaPlan,
	ttaViews,
	type TtaPlan,
	type TtaView,
} from '../infer/test-time-augmentation';
import type { TrainedModel } from '../model-file/model-file';
import type { ResNet18 } from '../model/resnet18';
import {
	argmaxRow,
	calibration,
	classificationMetrics,
	type Calibration,
	type ClassificationMetrics,
} from './metrics';

export interface EvaluatedImage {
	readonly file: string;
	readonly trueLabel: string;
	readonly predictedLabel: string;
	readonly confidence: number;
}

export interface Evaluation {
	readonly metrics: ClassificationMetrics;
	/** Wrong predictions, most confident first (the ones most worth a look). */
	readonly misclassified: readonly EvaluatedImage[];
	readonly calibration: Calibration;
	/** Forward-pass time per image (decoding and resizing excluded): what the model's precision and engine cost. */
	readonly msPerImage: number;
	/** With `testTimeAugmentation`: the same images scored again, each as the mean over its six views. */
	readonly testTimeAugmentation?: TtaEvaluation;
}

export interface TtaEvaluation extends TtaPlan {
	readonly metrics: ClassificationMetrics;
	/** Images TTA turned right (wrong without it), and turned wrong. */
	readonly fixed: number;
	readonly broken: number;
	/** Forward time per image of all the views; the plain pass's is the evaluation's msPerImage. */
	readonly msPerImage: number;
}

export interface EvaluateOptions {
	readonly imageSize: number;
	readonly resizeSize?: number;
	/** How images are resized (the model's preprocessing version; default torchvision's). */
	readonly resampler?: Resampler;
	readonly batchSize?: number;
	readonly topK?: number;
	/** Stops at the next batch (training's validation passes its own signal on). */
	readonly signal?: AbortSignal;
	/**
	 * Also score the mean over views of each image (lib/infer/test-time-augmentation.ts), timed on its own: these
	 * views, or with `true` the model's own (`evaluate`) or the generic mirror and four crops (`evaluateSamples`).
	 */
	readonly testTimeAugmentation?: boolean | TtaPlan;
}

/** Run the network over labelled images (eval transform, no augmentation) and score it. */
export async function evaluateSamples(
	network: ResNet18,
	samples: readonly LabelledImage[],
	classes: readonly string[],
	options: EvaluateOptions,
): Promise<Evaluation> {
	// The table's rule for every caller's values (the CLI and the node checked theirs already): a batch size of 0
	// would never advance through the images.
	const batchSize = checkOption(EVALUATE_OPTIONS.batchSize, 'batchSize', options.batchSize);
	const topK = checkOption(EVALUATE_OPTIONS.topK, 'topK', options.topK);
	const k = classes.length;
	const probabilities = new Float32Array(samples.length * k);
	const labels = new Int32Array(samples.length);
	const files: string[] = [];
	const plan: TtaPlan | undefined =
		options.testTimeAugmentation === true
			? { views: TTA_VIEWS, basis: 'a mirror and four corner crops' }
			: options.testTimeAugmentation || undefined;
	const otherViews = plan?.views.filter((v) => v !== 'original') ?? [];
	const tta = plan ? new Float32Array(samples.length * k) : undefined;
	let offset = 0;
	let forwardMs = 0;
	let ttaMs = 0;
	for await (const batch of imageBatches(samples, {
		batchSize,
		shuffle: false,
		seed: 0,
		mode: 'eval',
		cropSize: options.imageSize,
		resizeSize: options.resizeSize,
		resampler: options.resampler,
	})) {
		if (options.signal?.aborted)
			throw new TrainingAbortedError('Stopped before evaluation finished');
		const started = performance.now();
		const batchProbabilities = await predictProbabilities(network, batch.images, options.imageSize);
		const batchMs = performance.now() - started;
		forwardMs += batchMs;
		probabilities.set(batchProbabilities, offset * k);
		if (tta) {
			// The original view's probabilities are the plain pass's: TTA's time is theirs plus the other views'.
			const viewsStarted = performance.now();
			const views = await otherViewProbabilities(
				network,
				batch.images,
				options.imageSize,
				otherViews,
				batchSize,
			);
			ttaMs += batchMs + (performance.now() - viewsStarted);
			tta.set(averageViews(views, batch.labels.length, k, batchProbabilities), offset * k);
		}
		labels.set(batch.labels, offset);
		files.push(...batch.files);
		offset += batch.labels.length;
	}
	const metrics = classificationMetrics(probabilities, labels, classes, topK);
	const misclassified: EvaluatedImage[] = [];
	for (let i = 0; i < files.length; i++) {
		const predicted = argmaxRow(probabilities, i, k);
		if (predicted !== labels[i]) {
			misclassified.push({
				file: files[i],
				trueLabel: classes[labels[i]],
				predictedLabel: classes[predicted],
				confidence: probabilities[i * k + predicted],
			});
		}
	}
	misclassified.sort((a, b) => b.confidence - a.confidence);
	const perImage = (ms: number) => (files.length > 0 ? ms / files.length : 0);
	return {
		metrics,
		misclassified,
		calibration: calibration(probabilities, labels, k),
		msPerImage: perImage(forwardMs),
		...(tta && plan
			? {
					testTimeAugmentation: {
						...plan,
						metrics: classificationMetrics(tta, labels, classes, topK),
						...changedPredictions(probabilities, tta, labels, k),
						msPerImage: perImage(ttaMs),
					},
				}
			: {}),
	};
}

/** The views besides the original of each image, `batchSize` images' views per forward pass. */
async function otherViewProbabilities(
	network: ResNet18,
	images: Float32Array,
	size: number,
	views: readonly TtaView[],
	batchSize: number,
): Promise<Float32Array> {
	const pixels = size * size * 3;
	const n = images.length / pixels;
	const parts: Float32Array[] = [];
	for (let start = 0; start < n; start += batchSize) {
		const slice = images.subarray(start * pixels, Math.min(n, start + batchSize) * pixels);
		parts.push(await predictProbabilities(network, ttaViews(slice, size, views), size));
	}
	return concatFloat32(parts);
}

function changedPredictions(
	plain: Float32Array,
	tta: Float32Array,
	labels: Int32Array,
	k: number,
): { fixed: number; broken: number } {
	let fixed = 0;
	let broken = 0;
	for (let i = 0; i < labels.length; i++) {
		const before = argmaxRow(plain, i, k) === labels[i];
		const after = argmaxRow(tta, i, k) === labels[i];
		if (after && !before) fixed++;
		if (before && !after) broken++;
	}
	return { fixed, broken };
}

/** Evaluate a trained model on images labelled with its own class names. */
export async function evaluate(
	model: TrainedModel,
	samples: readonly LabelledImage[],
	options: Partial<EvaluateOptions> = {},
): Promise<Evaluation> {
	return evaluateSamples(model.network, samples, model.metadata.classes, {
		imageSize: model.metadata.inputSize,
		resizeSize: model.metadata.resizeSize,
		resampler: resamplerOf(model.metadata.preprocessing),
		...options,
		// The views the model was trained to see (lib/infer/test-time-augmentation.ts).
		testTimeAugmentation:
			options.testTimeAugmentation === true
				? ttaPlan(model.metadata)
				: options.testTimeAugmentation,
	});
}
