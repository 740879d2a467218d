import * as tf from '../../compute/tf';
import type { AugmentationPreset } from '../../data/augment';
import { imageBatches } from '../../data/batches';
import type { LabelledImage } from '../../data/labelled-image';
import { resizeBeforeCrop } from '../../data/eval-crop';
import { IMAGENET_NORMALIZATION } from '../../data/normalization';
import { createRng } from '../../data/random';
import type { TrainingData } from '../../data/training-data';
import { detachInference, infer, prepareInference } from '../../infer/engine';
import { MODEL_FORMAT, type ModelMetadata } from '../../model-file/metadata';
import type { ResNet18 } from '../../model/resnet18';
import { canBatchNormalise } from '../batch-norm-rule';
import { throwIfAborted } from '../callbacks';
import type { BatchPosition, StepOutcome, TrainingFeed } from '../fit';
import type { Objective } from '../objective';
import { optimizerStep } from '../step';
import type { TrainingProgress } from '../types';
import type { ParameterUpdater } from '../updater';
import type { FrozenCut } from './frozen-cuts';
import { CURRENT_PREPROCESSING } from '../../data/preprocessing';

export interface CachedFeedSettings {
	readonly batchSize: number;
	readonly imageSize: number;
	readonly shuffle: boolean;
	readonly seed: number;
	readonly augment: AugmentationPreset;
}

/**
 * The frozen-body depths' feed: the body turns each image view into its output (the 512-d features, or layer3's
 * activations) once, then every epoch is a pass of the optimiser over those. Without augmentation one view per
 * image (the evaluation crop); with augmentation a second, augmented view, used on alternate epochs. Returns the
 * feed and which engine computed the views.
 */
export async function cachedFeed(
	network: ResNet18,
	updater: ParameterUpdater,
	objective: Objective,
	data: TrainingData,
	cut: FrozenCut,
	settings: CachedFeedSettings,
	run: {
		readonly signal?: AbortSignal;
		readonly onProgress?: (progress: TrainingProgress) => void;
	},
): Promise<{ feed: TrainingFeed; featureEngine: string }> {
	const { batchSize, imageSize } = settings;
	// The body is frozen, so its outputs can come from ONNX Runtime when installed (several times faster on CPU),
	// else from TensorFlow.js on every core.
	const engine = await prepareInference(network, inferenceMetadata(imageSize, data.classes), {
		images: data.train.length,
		layer3: cut.output === 'layer3',
	});
	const views: Float32Array[] = [];
	let validation: Float32Array | undefined;
	try {
		const extract = (images: readonly LabelledImage[], mode: 'eval' | 'train', view: string) =>
			extractOutputs(network, images, mode, view, cut.output, settings, run);
		views.push(await extract(data.train, 'eval', 'centre crop'));
		if (settings.augment !== 'none')
			views.push(await extract(data.train, 'train', `augmented (${settings.augment})`));
		validation =
			data.validation.length > 0 ? await extract(data.validation, 'eval', 'validation') : undefined;
	} finally {
		await detachInference(network);
	}

	const rowSize = cut.shape.reduce((a, b) => a * b, 1);
	const variables = network.trainableVariables(cut.prefixes);
	const trainLabels = Int32Array.from(data.train, (s) => s.label);
	const validationLabels = Int32Array.from(data.validation, (s) => s.label);
	const batchesPerEpoch = Math.ceil(data.train.length / batchSize);
	const steppable = (images: number) =>
		cut.smallestMapSide === undefined || canBatchNormalise(images, cut.smallestMapSide);

	const feed: TrainingFeed = {
		batchesPerEpoch,
		async *epoch(
			epoch: number,
			beforeStep: (at: BatchPosition) => void,
		): AsyncIterable<StepOutcome> {
			const features = views[(epoch - 1) % views.length];
			const order = data.train.map((_, i) => i);
			if (settings.shuffle) createRng(settings.seed * 1000 + epoch).shuffle(order);
			for (let b = 0; b < batchesPerEpoch; b++) {
				const rows = order.slice(b * batchSize, (b + 1) * batchSize);
				if (!steppable(rows.length)) continue;
				beforeStep({ epoch, batch: b + 1, batches: batchesPerEpoch });
				const x = tf.tensor(gather(features, rows, rowSize), [rows.length, ...cut.shape]);
				const y = Int32Array.from(rows, (r) => trainLabels[r]);
				try {
					const step = await optimizerStep(
						updater,
						() => cut.logits(x, true),
						y,
						objective,
						variables,
					);
					yield { images: rows.length, loss: step.loss, correct: step.correct };
				} finally {
					x.dispose();
				}
			}
		},
		validate: async () =>
			validation ? score(cut, validation, validationLabels, rowSize) : undefined,
	};
	const threads = engine.threads > 1 ? ` on ${engine.threads} threads` : '';
	const featureEngine =
		engine.engine === 'onnxruntime' ? 'ONNX Runtime' : `TensorFlow.js${threads} (${engine.reason})`;
	return { feed, featureEngine };
}

/** The frozen part's output for every image, in order, from one view (`mode`) of each. */
async function extractOutputs(
	network: ResNet18,
	images: readonly LabelledImage[],
	mode: 'eval' | 'train',
	view: string,
	output: FrozenCut['output'],
	settings: CachedFeedSettings,
	run: {
		readonly signal?: AbortSignal;
		readonly onProgress?: (progress: TrainingProgress) => void;
	},
): Promise<Float32Array> {
	let out: Float32Array | undefined;
	let offset = 0;
	const batchSize = 16;
	const batches = Math.ceil(images.length / batchSize);
	let index = 0;
	for await (const batch of imageBatches(images, {
		batchSize,
		shuffle: false,
		seed: settings.seed,
		mode,
		cropSize: settings.imageSize,
		augmentation: settings.augment,
	})) {
		throwIfAborted(run.signal);
		const part = await infer(network, batch.images, settings.imageSize, output);
		const rowSize = part.length / batch.labels.length;
		out ??= new Float32Array(images.length * rowSize);
		out.set(part, offset * rowSize);
		offset += batch.labels.length;
		run.onProgress?.({ kind: 'features', view, batch: ++index, batches });
	}
	return out ?? new Float32Array(0);
}

function gather(outputs: Float32Array, rows: readonly number[], rowSize: number): Float32Array {
	const out = new Float32Array(rows.length * rowSize);
	rows.forEach((r, i) => out.set(outputs.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize));
	return out;
}

/** Plain cross-entropy (no smoothing, no weights, comparable across runs) and accuracy on the validation outputs. */
async function score(
	cut: FrozenCut,
	outputs: Float32Array,
	labels: Int32Array,
	rowSize: number,
): Promise<{ loss: number; accuracy: number }> {
	const n = labels.length;
	let lossSum = 0;
	let correct = 0;
	for (let start = 0; start < n; start += SCORE_BATCH) {
		const count = Math.min(SCORE_BATCH, n - start);
		const [loss, hits] = tf.tidy(() => {
			const logits = cut.logits(
				tf.tensor(outputs.subarray(start * rowSize, (start + count) * rowSize), [
					count,
					...cut.shape,
				]),
				false,
			);
			const y = tf.tensor1d(labels.subarray(start, start + count), 'int32');
			const summed = tf.mul(
				tf.losses.softmaxCrossEntropy(tf.oneHot(y, logits.shape[1]), logits),
				count,
			);
			return [summed, tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'))];
		});
		const [l, c] = await Promise.all([loss.data(), hits.data()]);
		tf.dispose([loss, hits]);
		lossSum += l[0];
		correct += c[0];
	}
	return { loss: lossSum / n, accuracy: correct / n };
}

const SCORE_BATCH = 64;

/** What the exporter needs to know of a network that is not a finished model yet. */
function inferenceMetadata(imageSize: number, classes: readonly string[]): ModelMetadata {
	return {
		format: MODEL_FORMAT,
		architecture: 'resnet18',
		classes: [...classes],
		inputSize: imageSize,
		resizeSize: resizeBeforeCrop(imageSize),
		preprocessing: CURRENT_PREPROCESSING,
		normalization: IMAGENET_NORMALIZATION,
		packageVersion: 'training',
		createdAt: new Date().toISOString(),
	};
}
