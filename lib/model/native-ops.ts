import * as tf from '../compute/tf';
import { attrs, nodeBackend, type NodeBackend, type OpAttr } from '../compute/native-backend';

/**
 * TensorFlow ops called by name on tfjs-node's backend (`tensorflow`), for the ones tfjs has no kernel for
 * (FusedBatchNormV3, FusedBatchNormGradV3, ReluGrad) or whose tfjs-node kernel drops a capability TensorFlow has
 * (explicit pads in Conv2DBackpropInput/Filter). Each is one eager TF op over the activation, where the tfjs
 * composite is several. Tensors made here are tracked by the engine like any other (tidy and dispose apply), but
 * the gradient tape does not see them: use them inside a `customGrad` only.
 */

/** What FusedBatchNormGradV3 needs back from the forward (device-specific: mean and variance on CPU). */
export interface FusedBatchNormSaved {
	readonly reserve1: tf.Tensor1D;
	readonly reserve2: tf.Tensor1D;
	readonly reserve3: tf.Tensor;
}

export interface FusedBatchNormResult {
	readonly y: tf.Tensor4D;
	readonly mean: tf.Tensor1D;
	/** TensorFlow's `batch_variance` in training mode is Bessel-corrected (M/(M−1) × the biased one). */
	readonly unbiasedVariance: tf.Tensor1D;
	readonly saved: FusedBatchNormSaved;
}

/** γ·(x − μ)/√(σ² + ε) + β over NHWC `x` with its own batch statistics (one FusedBatchNormV3, training mode). */
export function fusedBatchNormTrain(
	x: tf.Tensor4D,
	gamma: tf.Tensor1D,
	beta: tf.Tensor1D,
	epsilon: number,
): FusedBatchNormResult {
	const b = nodeBackend();
	// Running mean and variance inputs: unread in training with an averaging factor of 1, so empty. Made per call
	// (a 0-element tensor costs nothing) so that no tensor outlives a training run.
	const stats = tf.tensor1d([]);
	const [y, mean, variance, reserve1, reserve2, reserve3] = b.executeMultipleOutputs(
		'FusedBatchNormV3',
		[
			attrs.type(b, 'T'),
			attrs.type(b, 'U'),
			attrs.float(b, 'epsilon', epsilon),
			attrs.float(b, 'exponential_avg_factor', 1),
			attrs.string(b, 'data_format', 'NHWC'),
			attrs.bool(b, 'is_training', true),
		],
		[x, gamma, beta, stats, stats],
		6,
	);
	stats.dispose();
	return {
		y: y as tf.Tensor4D,
		mean: mean as tf.Tensor1D,
		unbiasedVariance: variance as tf.Tensor1D,
		saved: {
			reserve1: reserve1 as tf.Tensor1D,
			reserve2: reserve2 as tf.Tensor1D,
			reserve3,
		},
	};
}

/** dx, dγ, dβ of `fusedBatchNormTrain` for the gradient `dy` at its output (one FusedBatchNormGradV3). */
export function fusedBatchNormGrad(
	dy: tf.Tensor4D,
	x: tf.Tensor4D,
	gamma: tf.Tensor1D,
	saved: FusedBatchNormSaved,
	epsilon: number,
): { dx: tf.Tensor4D; dGamma: tf.Tensor1D; dBeta: tf.Tensor1D } {
	const b = nodeBackend();
	const [dx, dGamma, dBeta, unused1, unused2] = b.executeMultipleOutputs(
		'FusedBatchNormGradV3',
		[
			attrs.type(b, 'T'),
			attrs.type(b, 'U'),
			attrs.float(b, 'epsilon', epsilon),
			attrs.string(b, 'data_format', 'NHWC'),
			attrs.bool(b, 'is_training', true),
		],
		[dy, x, gamma, saved.reserve1, saved.reserve2, saved.reserve3],
		5,
	);
	tf.dispose([unused1, unused2]);
	return { dx: dx as tf.Tensor4D, dGamma: dGamma as tf.Tensor1D, dBeta: dBeta as tf.Tensor1D };
}

/** dy where `features` > 0, else 0: the ReLU's backward in one op (tfjs-node's `step` is six). */
export function reluGrad<T extends tf.Tensor>(dy: T, features: T): T {
	const b = nodeBackend();
	return b.executeSingleOutput('ReluGrad', [attrs.type(b, 'T')], [dy, features]) as T;
}

/**
 * How a square convolution with torch's symmetric `pad` reaches TensorFlow. TF's CPU kernels run on oneDNN for `SAME`
 * and `VALID` but fall back to a slower path for `EXPLICIT`, in the backward pass above all (2 cores, batch 8:
 * Conv2DBackpropFilter 11.5 vs 36.6 ms at 56×56×64, Conv2DBackpropInput 15.1 vs 37.5 ms at 7×7×512, the stem's
 * filter gradient 16 vs 53 ms). So:
 * - `VALID` for no padding; `SAME` where it is the same thing: stride 1, an odd kernel padded by half its size (every
 *   3×3 convolution in ResNet-18's blocks but the three that downsample);
 * - otherwise (the stem, the downsampling 3×3s) the forward takes `EXPLICIT` pads (as fast there), and the backward
 *   runs `VALID` on the input padded by `before` rows and columns in front and `after` behind: only the padding some
 *   window reads, which at stride 2 is often none behind.
 */
type ConvPadding =
	| { readonly kind: 'VALID' | 'SAME' }
	| { readonly kind: 'EXPLICIT'; readonly before: number; readonly after: number };

function convPadding(size: number, kernel: number, stride: number, pad: number): ConvPadding {
	if (pad === 0) return { kind: 'VALID' };
	if (stride === 1 && kernel % 2 === 1 && pad === (kernel - 1) / 2) return { kind: 'SAME' };
	const out = Math.floor((size + 2 * pad - kernel) / stride) + 1;
	return {
		kind: 'EXPLICIT',
		before: pad,
		after: Math.max(0, (out - 1) * stride + kernel - size - pad),
	};
}

function convAttrs(b: NodeBackend, stride: number, padding: 'VALID' | 'SAME' | number): OpAttr[] {
	return [
		attrs.type(b, 'T'),
		attrs.ints(b, 'strides', [1, stride, stride, 1]),
		attrs.string(b, 'padding', typeof padding === 'number' ? 'EXPLICIT' : padding),
		...(typeof padding === 'number'
			? [attrs.ints(b, 'explicit_paddings', [0, 0, padding, padding, padding, padding, 0, 0])]
			: []),
		attrs.string(b, 'data_format', 'NHWC'),
		attrs.bool(b, 'use_cudnn_on_gpu', true),
		attrs.ints(b, 'dilations', [1, 1, 1, 1]),
	];
}

/** Convolution with `pad` zeros on every side, padded inside the kernel (no Pad op, no padded copy kept). */
export function conv2dExplicit(
	x: tf.Tensor4D,
	filter: tf.Tensor4D,
	stride: number,
	pad: number,
): tf.Tensor4D {
	const b = nodeBackend();
	const plan = convPadding(x.shape[1], filter.shape[0], stride, pad);
	return b.executeSingleOutput(
		'Conv2D',
		convAttrs(b, stride, plan.kind === 'EXPLICIT' ? pad : plan.kind),
		[x, filter],
	) as tf.Tensor4D;
}

/** The input gradient of `conv2dExplicit`. */
export function conv2dBackpropInput(
	dy: tf.Tensor4D,
	filter: tf.Tensor4D,
	xShape: readonly [number, number, number, number],
	stride: number,
	pad: number,
): tf.Tensor4D {
	const b = nodeBackend();
	const [n, h, w, c] = xShape;
	const plan = convPadding(h, filter.shape[0], stride, pad);
	return tf.tidy(() => {
		if (plan.kind !== 'EXPLICIT')
			return b.executeSingleOutput('Conv2DBackpropInput', convAttrs(b, stride, plan.kind), [
				tf.tensor1d([...xShape], 'int32'),
				filter,
				dy,
			]) as tf.Tensor4D;
		// The gradient of the padded input, cropped back to the input.
		const extra = plan.before + plan.after;
		const padded = b.executeSingleOutput('Conv2DBackpropInput', convAttrs(b, stride, 'VALID'), [
			tf.tensor1d([n, h + extra, w + extra, c], 'int32'),
			filter,
			dy,
		]) as tf.Tensor4D;
		return tf.slice(padded, [0, plan.before, plan.before, 0], [n, h, w, c]);
	});
}

/** The filter gradient of `conv2dExplicit`. */
export function conv2dBackpropFilter(
	x: tf.Tensor4D,
	dy: tf.Tensor4D,
	filterShape: readonly [number, number, number, number],
	stride: number,
	pad: number,
): tf.Tensor4D {
	const b = nodeBackend();
	const plan = convPadding(x.shape[1], filterShape[0], stride, pad);
	return tf.tidy(() => {
		const input =
			plan.kind === 'EXPLICIT'
				? tf.pad(x, [
						[0, 0],
						[plan.before, plan.after],
						[plan.before, plan.after],
						[0, 0],
					])
				: x;
		return b.executeSingleOutput(
			'Conv2DBackpropFilter',
			convAttrs(b, stride, plan.kind === 'EXPLICIT' ? 'VALID' : plan.kind),
			[input, tf.tensor1d([...filterShape], 'int32'), dy],
		) as tf.Tensor4D;
	});
}
