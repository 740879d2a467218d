import * as tf from '../compute/tf';
import { BN_EPS } from './architecture';

export interface BatchNormParams {
	readonly gamma: tf.Tensor1D;
	readonly beta: tf.Tensor1D;
	readonly runningMean: tf.Tensor1D;
	readonly runningVar: tf.Tensor1D;
}

/** Batch statistics of a training-mode forward, for the running-average update torch performs. */
export interface BatchStatistics {
	readonly mean: tf.Tensor1D;
	/** Biased variance (the one normalisation uses); torch stores the unbiased one in `running_var`. */
	readonly variance: tf.Tensor1D;
	readonly count: number;
}

/** Inference: normalise with the running statistics. */
export function batchNormEval(x: tf.Tensor4D, p: BatchNormParams): tf.Tensor4D {
	return tf.batchNorm4d(x, p.runningMean, p.runningVar, p.beta, p.gamma, BN_EPS);
}

/** Training: normalise with the batch's own statistics (differentiable), and return them for the running update. */
export function batchNormTrain(x: tf.Tensor4D, p: BatchNormParams): { y: tf.Tensor4D; stats: BatchStatistics } {
	const { mean, variance } = tf.moments(x, [0, 1, 2]);
	const scale = tf.mul(tf.rsqrt(tf.add(variance, BN_EPS)), p.gamma);
	const y = tf.add(tf.mul(tf.sub(x, mean), scale), p.beta) as tf.Tensor4D;
	const [n, h, w] = x.shape;
	return { y, stats: { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, count: n * h * w } };
}
