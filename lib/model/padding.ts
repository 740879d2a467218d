import * as tf from '../compute/tf';

/**
 * How torch's symmetric padding reaches a kernel. `explicit`: as a number, which tfjs turns into explicit pads (the
 * WASM and JS kernels take them, and padding inside the kernel costs nothing). `prepad`: `tf.pad` first, then a
 * `'valid'` kernel — TensorFlow's (tfjs-node's) `Conv2DBackpropFilter`, `Conv2DBackpropInput`, `MaxPool` and
 * `MaxPoolGrad` accept only `'valid'`/`'same'`, and `'same'` pads asymmetrically at stride 2.
 */
export type PaddingMode = 'explicit' | 'prepad';

/** tfjs's names of the backends whose kernels cannot take explicit pads (tfjs-node and tfjs-node-gpu). */
const PREPAD_BACKENDS: ReadonlySet<string> = new Set(['tensorflow']);

let forced: PaddingMode | undefined;

/** Asked at call time: the backend is chosen at run time, and may change in a process. */
export function paddingMode(): PaddingMode {
	return forced ?? (PREPAD_BACKENDS.has(tf.getBackend()) ? 'prepad' : 'explicit');
}

/** The mode a spec forced, if any (the native convolution then steps aside for the path it asks for). */
export function forcedPaddingMode(): PaddingMode | undefined {
	return forced;
}

/** Specs only: run the pre-padding path on a backend that would not need it (undefined: back to the backend's own). */
export function forcePaddingMode(mode: PaddingMode | undefined): void {
	forced = mode;
}

/** `x` and the pad to hand a kernel so it sees `pad` rows and columns of `value` on every side. */
export function symmetricPad(
	x: tf.Tensor4D,
	pad: number,
	value = 0,
): { x: tf.Tensor4D; pad: number | 'valid' } {
	if (paddingMode() === 'explicit') return { x, pad };
	if (pad === 0) return { x, pad: 'valid' };
	const padded = tf.pad(
		x,
		[
			[0, 0],
			[pad, pad],
			[pad, pad],
			[0, 0],
		],
		value,
	);
	return { x: padded, pad: 'valid' };
}

/**
 * torch's MaxPool2d: padding counts as −∞, so a pad is never a window's maximum (every window holds at least one
 * input element, as torch requires pad ≤ kernel / 2) and gets no gradient.
 */
export function maxPool2d(x: tf.Tensor4D, size: number, stride: number, pad: number): tf.Tensor4D {
	const p = symmetricPad(x, pad, -Infinity);
	return tf.maxPool(p.x, size, stride, p.pad);
}
