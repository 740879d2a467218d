import { WeightsError } from '../errors';
import type { StateDict } from './host-tensor';

/**
 * Refuses a state dict holding NaN or ±Infinity in any float tensor, or a negative batch-norm variance. Such weights
 * come from a diverged run or a corrupt file; loaded, they make every output NaN and training reports "loss NaN"
 * instead of naming the cause. Called wherever a state dict is read from a file, before it becomes a model.
 */
export function checkFiniteStateDict(stateDict: StateDict, file?: string): void {
	for (const [name, tensor] of stateDict) {
		if (tensor.dtype !== 'float32') continue;
		const variance = /(^|\.)running_var$/.test(name);
		const data = tensor.data;
		for (let i = 0; i < data.length; i++) {
			const v = data[i];
			if (!Number.isFinite(v))
				throw new WeightsError(
					`tensor "${name}" holds ${v} at element ${i}; the weights are corrupt or from a diverged run (re-export them from a healthy checkpoint)`,
					file,
					name,
				);
			if (variance && v < 0)
				throw new WeightsError(
					`tensor "${name}" holds a negative batch-norm variance (${v}) at element ${i}; a variance is never below 0 (re-export the weights from a healthy checkpoint)`,
					file,
					name,
				);
		}
	}
}
