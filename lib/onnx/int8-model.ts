import { imageBatches } from '../data/batches';
import type { LabelledImage } from '../data/labelled-image';
import { resamplerOf } from '../data/preprocessing';
import { createRng } from '../data/random';
import { trainingDataFromFolder } from '../data/training-data';
import { InvalidParameterError } from '../errors';
import type { TrainedModel } from '../model-file/model-file';
import { calibrate } from './calibrate';
import { exportOnnxInt8 } from './quantize';

export interface Int8Options {
	/** Images drawn from the calibration folder (spread over its classes by a seeded shuffle). */
	readonly images: number;
}

/**
 * A trained model as a static int8 ONNX graph, its activation ranges calibrated on training images from a class-folder
 * dataset, decoded exactly as the model sees them at inference (its preprocessing, no augmentation).
 */
export async function int8OnnxFromFolder(
	model: TrainedModel,
	folder: string,
	options: Int8Options,
): Promise<Uint8Array> {
	const { data } = await trainingDataFromFolder(folder);
	const all = [...data.train, ...data.validation];
	if (all.length === 0)
		throw new InvalidParameterError('calibration', `${folder} holds no images to calibrate on`);
	return int8OnnxFromSamples(model, all, options);
}

/** The same, calibrated on `options.images` of the given images (drawn over their classes by a seeded shuffle). */
export async function int8OnnxFromSamples(
	model: TrainedModel,
	images: readonly LabelledImage[],
	options: Int8Options,
): Promise<Uint8Array> {
	if (images.length === 0)
		throw new InvalidParameterError('calibration', 'no images to calibrate on');
	const samples = createRng(7)
		.shuffle([...images])
		.slice(0, options.images);
	const { inputSize, resizeSize, normalization, preprocessing } = model.metadata;
	const state = model.network.toStateDict();
	async function* batches(): AsyncGenerator<Float32Array> {
		// A few images per batch: calibration fetches every quantized tensor of a batch (~10 MB an image at 224 px).
		for await (const batch of imageBatches(samples, {
			batchSize: 4,
			shuffle: false,
			seed: 0,
			mode: 'eval',
			cropSize: inputSize,
			resizeSize,
			normalization,
			resampler: resamplerOf(preprocessing),
		}))
			yield batch.images;
	}
	const ranges = await calibrate(state, inputSize, batches());
	return exportOnnxInt8(state, model.metadata, ranges);
}
