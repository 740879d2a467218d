import { InvalidParameterError, WeightsError } from '../errors';
import { MODEL_FORMAT } from '../model-file/metadata';
import type { TrainedModel } from '../model-file/model-file';
import { resnet18TensorSpecs } from '../model/architecture';
import { ResNet18 } from '../model/resnet18';
import type { StateDict } from '../weights/host-tensor';
import { IMAGENET_CLASS_COUNT, IMAGENET_CLASSES } from '../weights/imagenet-classes';
import { ensurePretrained, type PretrainedOptions } from '../weights/pretrained';
import {
	evalPreprocessing,
	isPretrainedSource,
	PRETRAINED_SOURCE_NAMES,
	PRETRAINED_SOURCES,
	type PretrainedSource,
} from '../weights/pretrained-sources';
import { readWeightsFile } from '../weights/read-weights';
import { packageVersion } from '../version';

/**
 * Zero-training classification: the published ImageNet ResNet-18 used as it is, its 1,000-class classifier kept (not
 * replaced as for fine-tuning) and labelled with ImageNet's class names. The result is the same `TrainedModel` a
 * trained file loads into, so top-K, the `unknown` threshold, batching and ONNX Runtime work unchanged.
 */

/** The ImageNet classifier for the weights of `source` already read into `state` (`file` is named in errors). */
export function imagenetClassifierFromWeights(
	state: StateDict,
	source: PretrainedSource,
	file?: string,
): TrainedModel {
	if (!isPretrainedSource(source))
		throw new InvalidParameterError(
			'weightsSource',
			`unknown ImageNet weights source ${JSON.stringify(source)}; use one of ${PRETRAINED_SOURCE_NAMES.join(', ')}`,
		);
	const fc = state.get('fc.weight');
	if (fc && fc.shape.length === 2 && fc.shape[0] !== IMAGENET_CLASS_COUNT) {
		throw new WeightsError(
			`has a ${fc.shape[0]}-class classifier, not ImageNet's ${IMAGENET_CLASS_COUNT} classes: use it as a model file, or pick ImageNet weights`,
			file,
			'fc.weight',
		);
	}
	// numClasses pins the classifier to 1,000 outputs and no replaceClassifier: the file's own FC layer is used.
	const network = ResNet18.fromStateDict(withBatchCounters(state), {
		numClasses: IMAGENET_CLASS_COUNT,
		file,
	});
	return {
		network,
		file,
		metadata: {
			format: MODEL_FORMAT,
			architecture: 'resnet18',
			classes: IMAGENET_CLASSES,
			// The source's own evaluation transform (torchvision: 256 → 224; timm a1: floor(224 / 0.95) = 235 → 224).
			...evalPreprocessing(source),
			packageVersion: packageVersion(),
			createdAt: 'unknown',
			name: source,
			source: PRETRAINED_SOURCES[source].title,
		},
	};
}

/** The ImageNet classifier from a weight file on disk (`.pth` or `.safetensors`, recognised by content). */
export async function loadImagenetClassifier(
	file: string,
	source: PretrainedSource = 'imagenet-torchvision',
): Promise<TrainedModel> {
	return imagenetClassifierFromWeights(await readWeightsFile(file), source, file);
}

/** Download the source's weights into the cache once (verified, resumable), then build the ImageNet classifier. */
export async function imagenetClassifier(
	source: PretrainedSource,
	options: PretrainedOptions,
): Promise<{ model: TrainedModel; file: string; downloaded: boolean }> {
	const { file, downloaded } = await ensurePretrained(source, options);
	return { model: await loadImagenetClassifier(file, source), file, downloaded };
}

/**
 * Checkpoints saved without BN's `num_batches_tracked` counters (some hub exports drop them) still load: the
 * counters only steer training, which this model never does, so a missing one is zero.
 */
function withBatchCounters(state: StateDict): StateDict {
	const missing = resnet18TensorSpecs(IMAGENET_CLASS_COUNT).filter(
		(s) => s.role === 'bn.num_batches_tracked' && !state.has(s.name),
	);
	if (missing.length === 0) return state;
	const filled: StateDict = new Map(state);
	for (const spec of missing)
		filled.set(spec.name, { dtype: 'int64', shape: [], data: BigInt64Array.of(0n) });
	return filled;
}
