import { imageBatches } from '../data/batches';
import { resamplerOf, type Resampler } from '../data/preprocessing';
import type { LabelledImage } from '../data/labelled-image';
import { TrainingAbortedError } from '../errors';
import { checkOption } from '../options/option';
import { EVALUATE_OPTIONS } from '../options/evaluate';
import { predictProbabilities } from '../infer/predict';
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
	let offset = 0;
	let forwardMs = 0;
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
		forwardMs += performance.now() - started;
		probabilities.set(batchProbabilities, offset * k);
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
	return {
		metrics,
		misclassified,
		calibration: calibration(probabilities, labels, k),
		msPerImage: files.length > 0 ? forwardMs / files.length : 0,
	};
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
	});
}
