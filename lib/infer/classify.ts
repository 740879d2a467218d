import { loadImageTensorData } from '../data/image';
import { resamplerOf } from '../data/preprocessing';
import { WeightsError } from '../errors';
import { checkOption } from '../options/option';
import { CLASSIFY_OPTIONS } from '../options/classify';
import { topIndices } from '../eval/metrics';
import type { TrainedModel } from '../model-file/model-file';
import { gradCams, type ClassActivationMap } from './grad-cam';
import { predictFeatures, predictProbabilities } from './predict';
import { averageViews, ttaPlan, ttaViews } from './test-time-augmentation';

export interface Prediction {
	readonly label: string;
	readonly confidence: number;
	readonly topK: readonly { readonly label: string; readonly probability: number }[];
	/** With `embedding`: the 512-d pooled feature, L2-normalised (cosine similarity is a dot product). */
	readonly embedding?: number[];
	/** With `gradCam`: where in the image the evidence for the top class lies (draw it with gradCamPng). */
	readonly gradCam?: ClassActivationMap;
}

export interface ClassifyOptions {
	/** How many of the most probable classes to list (default 3). */
	readonly topK?: number;
	/** Images per forward pass (default 8). */
	readonly batchSize?: number;
	/** Below this top-1 probability the label is `unknown` (default 0: always the top class). */
	readonly threshold?: number;
	readonly limitInputPixels?: number;
	/** Also give each image's embedding (a second output of the same engine). */
	readonly embedding?: boolean;
	/** Also give each image's Grad-CAM of its top class (one more forward, on this thread's TensorFlow.js). */
	readonly gradCam?: boolean;
	/** Average the probabilities of views of each image, the ones the model was trained to see (ttaPlan). */
	readonly testTimeAugmentation?: boolean;
}

/** The table's rule for the options a library caller passes (the CLI and the node checked theirs already). */
function checkClassifyOptions(options: ClassifyOptions) {
	return {
		topK: checkOption(CLASSIFY_OPTIONS.topK, 'topK', options.topK),
		threshold: checkOption(CLASSIFY_OPTIONS.threshold, 'threshold', options.threshold),
		batchSize: checkOption(CLASSIFY_OPTIONS.batchSize, 'batchSize', options.batchSize),
	};
}

export type ImageSource = string | { readonly data: Buffer; readonly name: string };

export const UNKNOWN_LABEL = 'unknown';

/** Decode one image the way the model was trained to see it (resize, centre crop, its normalisation). */
export function decodeForModel(
	model: TrainedModel,
	image: ImageSource,
	limitInputPixels?: number,
): Promise<Float32Array> {
	const { inputSize, resizeSize, normalization, preprocessing } = model.metadata;
	return loadImageTensorData(typeof image === 'string' ? image : image.data, {
		mode: 'eval',
		cropSize: inputSize,
		resizeSize,
		resampler: resamplerOf(preprocessing),
		normalization,
		name: typeof image === 'string' ? image : image.name,
		limitInputPixels,
	});
}

/**
 * Classify already-decoded images in batches. Decoding is separate so that a caller can decode each image on its
 * own (and report a bad one without losing the others) and still run the network on full batches.
 */
export async function predictDecoded(
	model: TrainedModel,
	decoded: readonly Float32Array[],
	options: ClassifyOptions = {},
): Promise<Prediction[]> {
	const { topK, threshold, batchSize } = checkClassifyOptions(options);
	const { inputSize, classes } = model.metadata;
	const k = classes.length;
	const pixels = inputSize * inputSize * 3;
	const predictions: Prediction[] = [];
	const views = options.testTimeAugmentation ? ttaPlan(model.metadata).views : undefined;
	for (let start = 0; start < decoded.length; start += batchSize) {
		const chunk = decoded.slice(start, start + batchSize);
		const stacked = new Float32Array(chunk.length * pixels);
		chunk.forEach((d, i) => stacked.set(d, i * pixels));
		const probabilities = views
			? averageViews(
					await predictProbabilities(model.network, ttaViews(stacked, inputSize, views), inputSize),
					chunk.length,
					k,
				)
			: await predictProbabilities(model.network, stacked, inputSize);
		checkProbabilities(model, probabilities);
		// The embedding and the heatmap are of the image itself, not of its augmented views.
		const features = options.embedding
			? await predictFeatures(model.network, stacked, inputSize)
			: undefined;
		const cams = options.gradCam
			? await gradCams(
					model.network,
					stacked,
					inputSize,
					inputSize,
					chunk.map((_, i) => topIndices(probabilities, i, k, 1)[0]),
				)
			: undefined;
		for (let i = 0; i < chunk.length; i++) {
			const top = topIndices(probabilities, i, k, topK).map((c) => ({
				label: classes[c],
				probability: probabilities[i * k + c],
			}));
			const confidence = top[0].probability;
			predictions.push({
				label: confidence >= threshold ? top[0].label : UNKNOWN_LABEL,
				confidence,
				topK: top,
				...(features ? { embedding: unitRow(features, i, FEATURES) } : {}),
				...(cams ? { gradCam: cams[i] } : {}),
			});
		}
	}
	return predictions;
}

/** The 512 pooled features of ResNet-18 (its `fc` input). */
const FEATURES = 512;

/** Row i of a [n, d] matrix scaled to unit length (a zero row stays zero: an all-black image after ReLU). */
export function unitRow(matrix: Float32Array, i: number, d: number): number[] {
	const row = Array.from(matrix.subarray(i * d, (i + 1) * d));
	const norm = Math.hypot(...row);
	return norm > 0 ? row.map((v) => v / norm) : row;
}

/**
 * Softmax of finite logits is finite, so a NaN or infinite probability means the network overflowed: its weights are
 * at fault, not the image. Refused here so that no caller reports a `confidence` of NaN (JSON `null`).
 */
function checkProbabilities(model: TrainedModel, probabilities: Float32Array): void {
	for (let j = 0; j < probabilities.length; j++) {
		const p = probabilities[j];
		if (p - p !== 0) {
			throw new WeightsError(
				`gives the class probability ${p}: its weights overflow, so the file is damaged or came from a training run that diverged; retrain or use another model`,
				model.file ?? model.metadata.name ?? 'model',
			);
		}
	}
}

/** Classify images (paths or buffers). A bad image rejects the whole call with an error naming it. */
export async function classify(
	model: TrainedModel,
	images: readonly ImageSource[],
	options: ClassifyOptions = {},
): Promise<Prediction[]> {
	const { batchSize } = checkClassifyOptions(options);
	const predictions: Prediction[] = [];
	// Decode one batch at a time so that memory holds one batch of pixels, however many images are passed.
	for (let start = 0; start < images.length; start += batchSize) {
		const decoded = await Promise.all(
			images
				.slice(start, start + batchSize)
				.map((image) => decodeForModel(model, image, options.limitInputPixels)),
		);
		predictions.push(...(await predictDecoded(model, decoded, options)));
	}
	return predictions;
}
