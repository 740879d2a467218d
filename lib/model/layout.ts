import * as tf from '../compute/tf';
import type { TensorSpec } from './architecture';

/**
 * torch and tfjs order tensor axes differently: convolutions are OIHW in torch and HWIO in tfjs; the classifier is
 * [out, in] in torch and [in, out] for tfjs's `matMul(x, W)`. Everything else is 1-D and identical.
 */
const TORCH_TO_TFJS: Partial<Record<TensorSpec['role'], number[]>> = {
	conv: [2, 3, 1, 0],
	'fc.weight': [1, 0],
};
const TFJS_TO_TORCH: Partial<Record<TensorSpec['role'], number[]>> = {
	conv: [3, 2, 0, 1],
	'fc.weight': [1, 0],
};

export function torchToTfjs(spec: TensorSpec, data: Float32Array): tf.Tensor {
	return tf.tidy(() => {
		const t = tf.tensor(data, [...spec.shape], 'float32');
		const perm = TORCH_TO_TFJS[spec.role];
		return perm ? tf.transpose(t, perm) : t;
	});
}

export function tfjsToTorch(spec: TensorSpec, tensor: tf.Tensor): Float32Array {
	const perm = TFJS_TO_TORCH[spec.role];
	if (!perm) return tensor.dataSync() as Float32Array;
	const t = tf.transpose(tensor, perm);
	try {
		return t.dataSync() as Float32Array;
	} finally {
		t.dispose();
	}
}
