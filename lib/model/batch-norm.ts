import * as tf from '../compute/tf';
import { BN_EPS } from './architecture';
import { onNativeBackend } from '../compute/native-backend';
import { fusedBatchNormGrad, fusedBatchNormTrain, reluGrad } from './native-ops';

/** γ and β; eval mode folds the running statistics into the convolutions instead (folded-convs.ts). */
export interface BatchNormParams {
	readonly gamma: tf.Tensor1D;
	readonly beta: tf.Tensor1D;
}

/** Batch statistics of a training-mode forward, for the running-average update torch performs. The caller disposes them. */
export interface BatchStatistics {
	readonly mean: tf.Tensor1D;
	/** The batch variance; torch stores the unbiased one in `running_var`. */
	readonly variance: tf.Tensor1D;
	/**
	 * `biased` (the one normalisation uses): the composite's; `unbiased` (M/(M − 1) × biased): what TensorFlow's
	 * FusedBatchNormV3 returns, taken as is so the running update is one multiply either way.
	 */
	readonly varianceKind: 'biased' | 'unbiased';
	readonly count: number;
}

export interface TrainNormOptions {
	/** Added after normalising, before the ReLU: a residual block's shortcut. */
	readonly residual?: tf.Tensor4D;
	readonly relu: boolean;
}

/**
 * Training: out = [relu](γ·(x − μ)/√(σ² + ε) + β [+ residual]) with the batch's own μ and σ², as one differentiable
 * step with its gradient written out, instead of the dozen ops autodiff would record.
 *
 * Why: recorded op by op, batch norm keeps four activation-sized tensors per layer alive until the backward pass
 * (x − μ, its scaled copy, the sum, the ReLU's input) and runs about twice the element-wise passes. This keeps only
 * x (the convolution's output, which nothing else holds) and the output (which the next convolution holds anyway).
 * With M = N·H·W values per channel, g the gradient at the ReLU's input, and s = γ/√(σ² + ε):
 *   dβ = Σg,  dγ = Σ g·x̂ = (Σ g·x − μ·Σg)/√(σ² + ε),
 *   dx = s·g − s·dβ/M − s·dγ·(x − μ)/(M·√(σ² + ε))  =  a·g + b·x + c  per channel,
 * which is torch's batch-norm backward.
 *
 * On TensorFlow (tfjs-node) the same step is TensorFlow's own kernels, a handful of eager ops instead of ~15
 * activation-sized ones: FusedBatchNormV3 [+ Add] [+ Relu] forward, [ReluGrad +] FusedBatchNormGradV3 backward.
 */
export function batchNormTrain(
	x: tf.Tensor4D,
	p: BatchNormParams,
	options: TrainNormOptions,
): { y: tf.Tensor4D; stats: BatchStatistics } {
	return onNativeBackend()
		? nativeBatchNormTrain(x, p, options)
		: compositeBatchNormTrain(x, p, options);
}

export function compositeBatchNormTrain(
	x: tf.Tensor4D,
	p: BatchNormParams,
	options: TrainNormOptions,
): { y: tf.Tensor4D; stats: BatchStatistics } {
	const [n, h, w] = x.shape;
	const count = n * h * w;
	let mean: tf.Tensor1D | undefined;
	let variance: tf.Tensor1D | undefined;
	const forward = (...args: unknown[]) => {
		const [xIn, gamma, beta] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
		const save = args[args.length - 1] as tf.GradSaveFunc;
		const residual = options.residual ? (args[3] as tf.Tensor4D) : undefined;
		const moments = tf.moments(xIn, [0, 1, 2]);
		mean = tf.keep(moments.mean as tf.Tensor1D);
		variance = tf.keep(moments.variance as tf.Tensor1D);
		const rstd = tf.rsqrt(tf.add(variance, BN_EPS));
		const scale = tf.mul(rstd, gamma);
		const shift = tf.sub(beta, tf.mul(mean, scale));
		let y: tf.Tensor = tf.add(tf.mul(xIn, scale), shift);
		if (residual) y = tf.add(y, residual);
		if (options.relu) y = tf.relu(y);
		save([xIn, y, mean, rstd, gamma]);
		return {
			value: y as tf.Tensor4D,
			gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
				const [sx, sy, sMean, sRstd, sGamma] = saved as [
					tf.Tensor4D,
					tf.Tensor4D,
					tf.Tensor1D,
					tf.Tensor1D,
					tf.Tensor1D,
				];
				// The ReLU passes the gradient where its output is positive.
				const g = options.relu ? tf.mul(dy, tf.step(sy)) : dy;
				// The shortcut's gradient is g itself; a copy when g is dy, which the tape disposes on its own.
				const dResidual = residual ? (options.relu ? g : tf.clone(g)) : undefined;
				const sumG = tf.sum(g, [0, 1, 2]) as tf.Tensor1D;
				const sumGx = tf.sum(tf.mul(g, sx), [0, 1, 2]) as tf.Tensor1D;
				const dGamma = tf.mul(tf.sub(sumGx, tf.mul(sMean, sumG)), sRstd) as tf.Tensor1D;
				const s = tf.mul(sGamma, sRstd);
				const b = tf.neg(tf.div(tf.mul(tf.mul(s, dGamma), sRstd), count));
				const c = tf.sub(tf.neg(tf.div(tf.mul(s, sumG), count)), tf.mul(b, sMean));
				const dx = tf.add(tf.add(tf.mul(g, s), tf.mul(sx, b)), c) as tf.Tensor4D;
				return dResidual ? [dx, dGamma, sumG, dResidual] : [dx, dGamma, sumG];
			},
		};
	};
	const fn = tf.customGrad(
		forward as unknown as Parameters<typeof tf.customGrad>[0],
	) as unknown as (...t: tf.Tensor[]) => tf.Tensor4D;
	const y = options.residual ? fn(x, p.gamma, p.beta, options.residual) : fn(x, p.gamma, p.beta);
	return { y, stats: { mean: mean!, variance: variance!, varianceKind: 'biased', count } };
}

export function nativeBatchNormTrain(
	x: tf.Tensor4D,
	p: BatchNormParams,
	options: TrainNormOptions,
): { y: tf.Tensor4D; stats: BatchStatistics } {
	const [n, h, w] = x.shape;
	let mean: tf.Tensor1D | undefined;
	let variance: tf.Tensor1D | undefined;
	const forward = (...args: unknown[]) => {
		const [xIn, gamma, beta] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
		const save = args[args.length - 1] as tf.GradSaveFunc;
		const residual = options.residual ? (args[3] as tf.Tensor4D) : undefined;
		const bn = fusedBatchNormTrain(xIn, gamma, beta, BN_EPS);
		mean = tf.keep(bn.mean);
		variance = tf.keep(bn.unbiasedVariance);
		let y = bn.y;
		if (residual) y = tf.add(y, residual);
		if (options.relu) y = tf.relu(y);
		save([xIn, y, gamma, bn.saved.reserve1, bn.saved.reserve2, bn.saved.reserve3]);
		return {
			value: y,
			gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
				const [sx, sy, sGamma, reserve1, reserve2, reserve3] = saved as [
					tf.Tensor4D,
					tf.Tensor4D,
					tf.Tensor1D,
					tf.Tensor1D,
					tf.Tensor1D,
					tf.Tensor,
				];
				// The ReLU passes the gradient where its output is positive (so is its input there).
				const g = options.relu ? reluGrad(dy as tf.Tensor4D, sy) : (dy as tf.Tensor4D);
				// The shortcut's gradient is g itself; a copy when g is dy, which the tape disposes on its own.
				const dResidual = residual ? (options.relu ? g : tf.clone(g)) : undefined;
				const { dx, dGamma, dBeta } = fusedBatchNormGrad(
					g,
					sx,
					sGamma,
					{ reserve1, reserve2, reserve3 },
					BN_EPS,
				);
				return dResidual ? [dx, dGamma, dBeta, dResidual] : [dx, dGamma, dBeta];
			},
		};
	};
	const fn = tf.customGrad(
		forward as unknown as Parameters<typeof tf.customGrad>[0],
	) as unknown as (...t: tf.Tensor[]) => tf.Tensor4D;
	const y = options.residual ? fn(x, p.gamma, p.beta, options.residual) : fn(x, p.gamma, p.beta);
	return {
		y,
		stats: { mean: mean!, variance: variance!, varianceKind: 'unbiased', count: n * h * w },
	};
}
