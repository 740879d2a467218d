import * as tf from '../compute/tf';
import { conv2dBackpropFilter, conv2dBackpropInput, conv2dExplicit } from './native-ops';
import { onNativeBackend } from '../compute/native-backend';
import { forcedPaddingMode, symmetricPad } from './padding';

/**
 * 2-D convolution with torch's symmetric zero padding (a numeric `pad` in tfjs pads every side equally, unlike
 * `'same'`, which pads asymmetrically at stride 2).
 *
 * The WebAssembly backend has no `Conv2DBackpropFilter` kernel, so training there would fail. Where the kernel is
 * missing we attach our own gradient: the filter gradient is itself a convolution — the input with batch and
 * channel axes swapped, convolved with the output gradient as the filter, dilated by the stride — which runs on the
 * backend's fast convolution kernel. Its `Conv2DBackpropInput` exists but is a plain loop, two thirds of a training
 * step at 224×224: the input gradient is a convolution too (the output gradient, dilated by the stride and padded,
 * with the filter flipped and its channel axes swapped), so it runs on the same fast kernel.
 *
 * `inputGradient: false` (the stem, whose input is the image) skips the input gradient nobody uses.
 *
 * Where the backend's kernels take no explicit pads (padding.ts), the input is padded first and everything after is
 * a `'valid'` convolution: `tf.pad`'s gradient crops the padded input's gradient back.
 *
 * On TensorFlow (tfjs-node) none of that: its Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter all take explicit
 * pads (only tfjs-node's kernel wrappers refuse them), so the three are called by name, with no Pad op, no padded
 * copy kept for the backward pass and no Slice of its gradient.
 */
export function conv2d(
	x: tf.Tensor4D,
	filter: tf.Tensor4D,
	stride: number,
	pad: number,
	options: { inputGradient?: boolean } = {},
): tf.Tensor4D {
	if (onNativeBackend() && forcedPaddingMode() === undefined)
		return convWithGradients(NATIVE, stride, pad, options.inputGradient !== false)(x, filter);
	const p = symmetricPad(x, pad);
	if (tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) !== undefined) {
		return tf.conv2d(p.x, filter, stride, p.pad);
	}
	// Pre-padded, the rest is the same convolution with no padding.
	const rest = p.pad === 'valid' ? 0 : p.pad;
	return convWithGradients(COMPOSED, stride, rest, options.inputGradient !== false)(p.x, filter);
}

type ConvFn = (x: tf.Tensor4D, filter: tf.Tensor4D) => tf.Tensor4D;

/** A convolution and its two gradients, as one backend computes them. */
interface ConvKernels {
	readonly name: string;
	forward(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D;
	input: typeof inputGradient;
	filter: typeof filterGradient;
}

const NATIVE: ConvKernels = {
	name: 'native',
	forward: conv2dExplicit,
	input: conv2dBackpropInput,
	filter: conv2dBackpropFilter,
};
const COMPOSED: ConvKernels = {
	name: 'composed',
	forward: (x, filter, stride, pad) => tf.conv2d(x, filter, stride, pad),
	input: inputGradient,
	filter: filterGradient,
};
const cache = new Map<string, ConvFn>();

function convWithGradients(
	kernels: ConvKernels,
	stride: number,
	pad: number,
	withInputGradient: boolean,
): ConvFn {
	const key = `${kernels.name}/${stride}/${pad}/${withInputGradient}`;
	let fn = cache.get(key);
	if (!fn) {
		const forward = (x: tf.Tensor, filter: tf.Tensor, save: tf.GradSaveFunc) => {
			const x4 = x as tf.Tensor4D;
			const w4 = filter as tf.Tensor4D;
			save([x4, w4]);
			return {
				value: kernels.forward(x4, w4, stride, pad),
				gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
					const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
					const dy4 = dy as tf.Tensor4D;
					const dx = withInputGradient
						? kernels.input(dy4, sw, sx.shape, stride, pad)
						: tf.zerosLike(sx);
					return [dx, kernels.filter(sx, dy4, sw.shape, stride, pad)];
				},
			};
		};
		// customGrad's typing cannot express (x, filter, save); the call shape is exactly that at run time.
		fn = tf.customGrad(
			forward as unknown as Parameters<typeof tf.customGrad>[0],
		) as unknown as ConvFn;
		cache.set(key, fn);
	}
	return fn;
}

/**
 * dW[kh, kw, ci, co] = Σ_{n, oh, ow} xpad[n, oh·s + kh, ow·s + kw, ci] · dy[n, oh, ow, co]: a convolution over
 * x viewed as [ci, H, W, n] with dy viewed as an [oh, ow, n, co] filter, dilation s. The result is cropped to the
 * kernel size (it can be larger when the last input rows are never reached by the stride).
 */
export function filterGradient(
	x: tf.Tensor4D,
	dy: tf.Tensor4D,
	filterShape: [number, number, number, number],
	stride: number,
	pad: number,
): tf.Tensor4D {
	return tf.tidy(() => {
		const [kh, kw, ci, co] = filterShape;
		const xT = symmetricPad(tf.transpose(x, [3, 1, 2, 0]), pad);
		const dyT = tf.transpose(dy, [1, 2, 0, 3]);
		const full = tf.conv2d(xT.x, dyT, 1, xT.pad, 'NHWC', stride);
		const cropped =
			full.shape[1] === kh && full.shape[2] === kw
				? full
				: tf.slice(full, [0, 0, 0, 0], [ci, kh, kw, co]);
		return tf.transpose(cropped, [1, 2, 0, 3]);
	});
}

/**
 * dx = the transposed convolution of dy, as a plain convolution: dy with (stride − 1) zeros between its rows and
 * columns, padded by (k − 1 − pad) before and whatever completes the input size after, convolved at stride 1 with the
 * filter rotated 180° and its in/out channel axes swapped.
 */
export function inputGradient(
	dy: tf.Tensor4D,
	filter: tf.Tensor4D,
	xShape: readonly [number, number, number, number],
	stride: number,
	pad: number,
): tf.Tensor4D {
	return tf.tidy((): tf.Tensor4D => {
		const [n, oh, ow, co] = dy.shape;
		const [kh, kw] = filter.shape;
		const [, h, w] = xShape;
		let spread: tf.Tensor4D = dy;
		if (stride > 1) {
			const gaps = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, co]), [
				[0, 0],
				[0, 0],
				[0, stride - 1],
				[0, 0],
				[0, stride - 1],
				[0, 0],
			]);
			spread = tf.slice(
				tf.reshape(gaps, [n, oh * stride, ow * stride, co]) as tf.Tensor4D,
				[0, 0, 0, 0],
				[n, (oh - 1) * stride + 1, (ow - 1) * stride + 1, co],
			);
		}
		const top = kh - 1 - pad;
		const left = kw - 1 - pad;
		const bottom = h - spread.shape[1] - top + kh - 1;
		const right = w - spread.shape[2] - left + kw - 1;
		const padded = tf.pad(spread, [
			[0, 0],
			[top, bottom],
			[left, right],
			[0, 0],
		]);
		// Rotating by 180° is reversing the kh·kw taps: a product with the anti-identity, on the GEMM kernel. WASM's
		// Gather and Reverse copy element by element: 81 ms for a 3×3×512×512 filter against 3 ms for the product,
		// a fifth of a training step at 64 px.
		const [, , ci] = filter.shape;
		const taps = kh * kw;
		const reversal = tf.tensor2d(
			Float32Array.from({ length: taps * taps }, (_, i) =>
				i % taps === taps - 1 - Math.floor(i / taps) ? 1 : 0,
			),
			[taps, taps],
		);
		const reversed = tf.matMul(reversal, tf.reshape(filter, [taps, ci * co]));
		const flipped = tf.transpose(
			tf.reshape(reversed, [kh, kw, ci, co]),
			[0, 1, 3, 2],
		) as tf.Tensor4D;
		return tf.conv2d(padded, flipped, 1, 'valid');
	});
}
