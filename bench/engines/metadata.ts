import { IMAGENET_NORMALIZATION } from '../../lib/data/normalization';
import { MODEL_FORMAT, type ModelMetadata } from '../../lib/model-file/metadata';
import { CURRENT_PREPROCESSING } from '../../lib/data/preprocessing';

/** Metadata of the untrained 10-class network every engine times. */
export function benchMetadata(size: number): ModelMetadata {
	return {
		format: MODEL_FORMAT,
		architecture: 'resnet18',
		classes: Array.from({ length: 10 }, (_, i) => `c${i}`),
		inputSize: size,
		resizeSize: size,
		preprocessing: CURRENT_PREPROCESSING,
		normalization: IMAGENET_NORMALIZATION,
		packageVersion: 'bench',
		createdAt: 'now',
	};
}
