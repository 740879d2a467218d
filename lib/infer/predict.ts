import * as tf from '../compute/tf';
import type { ResNet18 } from '../model/resnet18';
import { runOnnx } from './onnx-runtime';

/**
 * Softmax class probabilities for a batch of normalised NHWC images, as a plain row-major [n, classes] array: from
 * ONNX Runtime when a session is attached to the network, else from TensorFlow.js.
 */
export async function predictProbabilities(network: ResNet18, images: Float32Array, size: number): Promise<Float32Array> {
	const fromOnnx = await runOnnx(network, images, 'probabilities');
	if (fromOnnx) return fromOnnx;
	const n = images.length / (size * size * 3);
	const probabilities = tf.tidy(() => tf.softmax(network.forward(tf.tensor4d(images, [n, size, size, 3]))));
	try {
		return (await probabilities.data()) as Float32Array;
	} finally {
		probabilities.dispose();
	}
}

/** The 512-d embeddings of a batch, row-major [n, 512]: ONNX Runtime when attached, else TensorFlow.js. */
export async function predictFeatures(network: ResNet18, images: Float32Array, size: number): Promise<Float32Array> {
	const fromOnnx = await runOnnx(network, images, 'features');
	if (fromOnnx) return fromOnnx;
	const n = images.length / (size * size * 3);
	const features = tf.tidy(() => network.features(tf.tensor4d(images, [n, size, size, 3])));
	try {
		return (await features.data()) as Float32Array;
	} finally {
		features.dispose();
	}
}
