import { InvalidParameterError } from '../errors';
import { loadImageTensorData, type ImageTransform } from './image';
import type { LabelledImage } from './labelled-image';
import type { Normalization } from './normalization';
import { createRng, deriveSeed } from './random';

export interface ImageBatch {
	/** N·S·S·3 normalised pixels, NHWC. */
	readonly images: Float32Array;
	readonly labels: Int32Array;
	readonly files: string[];
}

export interface BatchOptions {
	readonly batchSize: number;
	readonly shuffle: boolean;
	/** Seeds the order and each image's augmentation: the same seed gives the same batches. */
	readonly seed: number;
	readonly mode: ImageTransform['mode'];
	readonly cropSize: number;
	readonly augmentation?: ImageTransform['augmentation'];
	readonly resizeSize?: number;
	readonly resampler?: ImageTransform['resampler'];
	readonly normalization?: Normalization;
	readonly limitInputPixels?: number;
	/** Batches decoded ahead of the consumer (bounded, so memory does not grow with the dataset). */
	readonly prefetch?: number;
}

/**
 * Stream a dataset as batches, decoding the next ones on sharp's thread pool while the consumer computes. Only
 * `prefetch + 1` batches of pixels exist at any time.
 */
export async function* imageBatches(
	samples: readonly LabelledImage[],
	options: BatchOptions,
): AsyncGenerator<ImageBatch> {
	// A step of 0, a fraction or NaN would never get through the images (and fill memory with batch starts).
	if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
		throw new InvalidParameterError(
			'batchSize',
			`must be a whole number of at least 1, got ${JSON.stringify(options.batchSize)}`,
		);
	const order = samples.map((_, i) => i);
	if (options.shuffle) createRng(options.seed).shuffle(order);
	const starts: number[] = [];
	for (let i = 0; i < order.length; i += options.batchSize) starts.push(i);
	const pending: Promise<ImageBatch>[] = [];
	const ahead = Math.max(0, options.prefetch ?? 2);
	const schedule = (b: number) => {
		const promise = decodeBatch(
			samples,
			order.slice(starts[b], starts[b] + options.batchSize),
			options,
		);
		// A prefetched batch may fail while an earlier one is consumed; the error surfaces when its turn comes.
		promise.catch(() => undefined);
		pending.push(promise);
	};
	for (let b = 0; b < Math.min(ahead + 1, starts.length); b++) schedule(b);
	for (let b = 0; b < starts.length; b++) {
		const batch = await pending.shift()!;
		if (b + ahead + 1 < starts.length) schedule(b + ahead + 1);
		yield batch;
	}
}

async function decodeBatch(
	samples: readonly LabelledImage[],
	indices: number[],
	options: BatchOptions,
): Promise<ImageBatch> {
	const pixels = options.cropSize * options.cropSize * 3;
	const images = new Float32Array(indices.length * pixels);
	const decoded = await Promise.all(
		indices.map((i) =>
			loadImageTensorData(samples[i].file, {
				mode: options.mode,
				cropSize: options.cropSize,
				resizeSize: options.resizeSize,
				resampler: options.resampler,
				normalization: options.normalization,
				limitInputPixels: options.limitInputPixels,
				augmentation: options.augmentation,
				rng: options.mode === 'train' ? createRng(deriveSeed(options.seed, i)) : undefined,
			}),
		),
	);
	decoded.forEach((d, j) => images.set(d, j * pixels));
	return {
		images,
		labels: Int32Array.from(indices, (i) => samples[i].label),
		files: indices.map((i) => samples[i].file),
	};
}
