import type { ResNet18 } from '../model/resnet18';
import { infer } from './engine';

/** Softmax class probabilities for a batch of normalised NHWC images, row-major [n, classes], on the attached engine. */
export function predictProbabilities(
	network: ResNet18,
	images: Float32Array,
	size: number,
): Promise<Float32Array> {
	return infer(network, images, size, 'probabilities');
}

/** The 512-d embeddings of a batch, row-major [n, 512], on the attached engine. */
export function predictFeatures(
	network: ResNet18,
	images: Float32Array,
	size: number,
): Promise<Float32Array> {
	return infer(network, images, size, 'features');
}
