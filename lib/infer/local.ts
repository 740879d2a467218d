import * as tf from '../compute/tf';
import type { ResNet18 } from '../model/resnet18';
import type { InferenceOutput } from './pool/messages';

/** Softmax probabilities ([n, classes]), 512-d features ([n, 512]) or layer3's activations (NHWC) of NHWC pixels, here. */
export async function computeLocally(
	network: ResNet18,
	images: Float32Array,
	size: number,
	output: InferenceOutput,
): Promise<Float32Array> {
	const n = images.length / (size * size * 3);
	const result = tf.tidy(() => {
		const x = tf.tensor4d(images, [n, size, size, 3]);
		if (output === 'layer3') return network.layer3Activations(x);
		return output === 'features' ? network.features(x) : tf.softmax(network.forward(x));
	});
	try {
		return (await result.data()) as Float32Array;
	} finally {
		result.dispose();
	}
}
