import * as tf from '../compute/tf';
import type { ResNet18 } from '../model/resnet18';

/** Softmax class probabilities for a batch of normalised NHWC images, as a plain row-major [n, classes] array. */
export async function predictProbabilities(network: ResNet18, images: Float32Array, size: number): Promise<Float32Array> {
	const n = images.length / (size * size * 3);
	const probabilities = tf.tidy(() => tf.softmax(network.forward(tf.tensor4d(images, [n, size, size, 3]))));
	try {
		return (await probabilities.data()) as Float32Array;
	} finally {
		probabilities.dispose();
	}
}
