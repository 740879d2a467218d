import * as tf from '../compute/tf';

/** torch's Adam defaults: β = (0.9, 0.999), ε = 1e-8 (tfjs's own default ε is 1e-7). */
export function createAdam(learningRate: number): tf.Optimizer {
	return tf.train.adam(learningRate, 0.9, 0.999, 1e-8);
}

/** torch's SGD with momentum (dampening 0, no Nesterov): buffer = m·buffer + g; weight −= lr·buffer. */
export function createSgd(learningRate: number, momentum = 0.9): tf.Optimizer {
	return tf.train.momentum(learningRate, momentum, false);
}
