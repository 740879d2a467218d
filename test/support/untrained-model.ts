import { IMAGENET_NORMALIZATION } from '../../lib/data/normalization';
import { MODEL_FORMAT } from '../../lib/model-file/metadata';
import { serializeModel } from '../../lib/model-file/model-file';
import { ResNet18 } from '../../lib/model/resnet18';
import { CURRENT_PREPROCESSING } from '../../lib/data/preprocessing';

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
			metadata: {
				format: MODEL_FORMAT,
				architecture: 'resnet18',
				...(name === undefined ? {} : { name }),
				classes: [...classes],
				inputSize: 32,
				resizeSize: 37,
				preprocessing: CURRENT_PREPROCESSING,
				normalization: IMAGENET_NORMALIZATION,
				packageVersion: 'test',
				createdAt: 'now',
			},
		});
	} finally {
		network.dispose();
	}
}
