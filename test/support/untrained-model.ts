import { IMAGENET_NORMALIZATION } from '../../lib/data/normalization';
import { MODEL_FORMAT, type ModelMetadata } from '../../lib/model-file/metadata';
import { serializeModel } from '../../lib/model-file/model-file';
import { ResNet18 } from '../../lib/model/resnet18';
import { CURRENT_PREPROCESSING } from '../../lib/data/preprocessing';
import { resizeBeforeCrop } from '../../lib/data/eval-crop';

/** Our metadata for a test model: the given classes at `inputSize` px, torchvision's preprocessing, ImageNet stats. */
export function testMetadata(
	classes: readonly string[],
	inputSize = 32,
	extra: Partial<ModelMetadata> = {},
): ModelMetadata {
	return {
		format: MODEL_FORMAT,
		architecture: 'resnet18',
		classes: [...classes],
		inputSize,
		resizeSize: resizeBeforeCrop(inputSize),
		preprocessing: CURRENT_PREPROCESSING,
		normalization: IMAGENET_NORMALIZATION,
		packageVersion: 'test',
		createdAt: 'now',
		...extra,
	};
}

/**
 * A model file's bytes for an untrained network (torchvision's initialisation, seeded), 32 px input: enough for the
 * specs about which item fails or which version serves, which are not about accuracy.
 */
export function untrainedModelBytes(
	classes: readonly string[],
	seed: number,
	name?: string,
): Buffer {
	const network = ResNet18.initialize(classes.length, seed);
	try {
		return serializeModel({
			network,
			metadata: testMetadata(classes, 32, name === undefined ? {} : { name }),
		});
	} finally {
		network.dispose();
	}
}
