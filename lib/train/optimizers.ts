import * as tf from '../compute/tf';
import { onNativeBackend } from '../compute/native-backend';
import { NativeAdam } from './native-adam';

/**
 * torch's Adam defaults: β = (0.9, 0.999), ε = 1e-8 (tfjs's own default ε is 1e-7). On TensorFlow the update is TF's
 * fused kernel (NativeAdam), the same arithmetic in one pass per weight.
 */
export function createAdam(learningRate: number): tf.Optimizer {
	return onNativeBackend()
		? new NativeAdam(learningRate, 0.9, 0.999, 1e-8)
		: tf.train.adam(learningRate, 0.9, 0.999, 1e-8);
}

/** torch's SGD with momentum (dampening 0, no Nesterov): buffer = m·buffer + g; weight −= lr·buffer. */
export function createSgd(learningRate: number, momentum = 0.9): tf.Optimizer {
	return tf.train.momentum(learningRate, momentum, false);
}
