import * as tf from '../compute/tf';

/**
 * 2-D convolution with torch's symmetric zero padding (a numeric `pad` in tfjs pads every side equally, unlike
 * `'same'`, which pads asymmetrically at stride 2).
 *
 * The WebAssembly backend has no `Conv2DBackpropFilter` kernel, so training there would fail. Where the kernel is
 * missing we attach our own gradient: the filter gradient is itself a convolution — the input with batch and
 * channel axes swapped, convolved with the output gradient as the filter, dilated by the stride — which runs on the
 * backend's fast convolution kernel.
 */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
	if (tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) !== undefined) {
		return tf.conv2d(x, filter, stride, pad);
	}
	return convWithFilterGradient(stride, pad)(x, filter);
}

type ConvFn = (x: tf.Tensor4D, filter: tf.Tensor4D) => tf.Tensor4D;
const cache = new Map<string, ConvFn>();

function convWithFilterGradient(stride: number, pad: number): ConvFn {
	const key = `${stride}/${pad}`;
	let fn = cache.get(key);
	if (!fn) {
		const forward = (x: tf.Tensor, filter: tf.Tensor, save: tf.GradSaveFunc) => {
			const x4 = x as tf.Tensor4D;
			const w4 = filter as tf.Tensor4D;
			save([x4, w4]);
			return {
				value: tf.conv2d(x4, w4, stride, pad),
				gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
					const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
					const dy4 = dy as tf.Tensor4D;
					return [tf.conv2dTranspose(dy4, sw, sx.shape, stride, pad), filterGradient(sx, dy4, sw.shape, stride, pad)];
				},
			};
		};
		// customGrad's typing cannot express (x, filter, save); the call shape is exactly that at run time.
		fn = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as ConvFn;
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
		const xT = tf.transpose(x, [3, 1, 2, 0]);
		const dyT = tf.transpose(dy, [1, 2, 0, 3]);
		const full = tf.conv2d(xT, dyT, 1, pad, 'NHWC', stride);
		const cropped = full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [ci, kh, kw, co]);
		return tf.transpose(cropped, [1, 2, 0, 3]);
	});
}
