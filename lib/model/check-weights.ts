import { WeightsError } from '../errors';
import type { HostTensor } from '../weights/host-tensor';
import type { TensorSpec } from './architecture';

/**
 * The values a ResNet-18 tensor may hold: finite everywhere, and no negative batch-norm running variance (its square
 * root divides the activations). A file breaking this loads without complaint in tfjs and then classifies every
 * image as NaN, so it is refused here, once, for every weight reader (model files, `.pth`, ImageNet weights).
 */
export function checkWeightValues(spec: TensorSpec, data: Float32Array, file?: string): void {
	const variance = spec.role === 'bn.running_var';
	for (let i = 0; i < data.length; i++) {
		const v = data[i];
		// `v - v` is NaN for NaN and ±Infinity, 0 for every finite value: one comparison per element.
		if (v - v !== 0) {
			throw new WeightsError(
				`tensor "${spec.name}" holds ${v} (element ${i} of ${data.length}): the weights are damaged or came from a training run that diverged; use another file or retrain`,
				file,
				spec.name,
			);
		}
		if (variance && v < 0) {
			throw new WeightsError(
				`tensor "${spec.name}" holds the negative running variance ${v} (element ${i}): a variance cannot be negative, so the file is damaged`,
				file,
				spec.name,
			);
		}
	}
}

/** A `num_batches_tracked` counter; some exporters store it as a float, which must then be a finite count. */
export function batchCounter(spec: TensorSpec, tensor: HostTensor, file?: string): bigint {
	if (tensor.dtype === 'int64') return tensor.data[0];
	const v = tensor.data[0];
	if (!Number.isFinite(v) || v < 0) {
		throw new WeightsError(
			`tensor "${spec.name}" holds ${v}, not a count of batches`,
			file,
			spec.name,
		);
	}
	return BigInt(Math.round(v));
}
