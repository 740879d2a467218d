import type * as tf from '../../compute/tf';
import type { AugmentationPreset } from '../../data/augment';
import { InvalidParameterError } from '../../errors';
import { EMBEDDING_SIZE, layer3Side } from '../../model/architecture';
import type { ResNet18 } from '../../model/resnet18';
import { layer4Side } from '../batch-norm-rule';

/** Where the network is cut: the frozen part below computes `output` once per image view, the part above learns on it. */
export interface FrozenCut {
	readonly output: 'features' | 'layer3';
	/** Trainable tensors: names starting with these. */
	readonly prefixes: readonly string[];
	/** Logits from a batch of cached outputs ([n, …shape]); training mode updates the learning part's BN statistics. */
	readonly logits: (x: tf.Tensor, training: boolean) => tf.Tensor2D;
	/** Shape of one image's cached output. */
	readonly shape: readonly number[];
	/** Side of the smallest map the learning part batch-normalises; undefined when it has no batch norm. */
	readonly smallestMapSide?: number;
}

/**
 * Classifier only: the frozen ImageNet body turns each image view into its 512-d features once; the FC layer learns
 * on them. Seconds to minutes on CPU, the usual first step of fine-tuning.
 */
export function classifierCut(network: ResNet18): FrozenCut {
	return {
		output: 'features',
		prefixes: ['fc.'],
		shape: [EMBEDDING_SIZE],
		logits: (x) => network.logits(x as tf.Tensor2D),
	};
}

/** Layer3's activations are kept in memory for the whole run: beyond this, last-stage fine-tuning is refused. */
export const LAST_STAGE_CACHE_LIMIT_BYTES = 3 * 2 ** 30;

/**
 * Last stage + classifier: stem to layer3 frozen (eval mode), their output computed once per image view; layer4 (two
 * residual blocks, ~75 % of the weights, with its batch norm in training mode) and the FC layer learn on it. About a
 * quarter of a full step's arithmetic per image, with the high-level features free to adapt.
 */
export function lastStageCut(
	network: ResNet18,
	imageSize: number,
	augment: AugmentationPreset,
	images: { readonly train: number; readonly validation: number },
): FrozenCut {
	const side = layer3Side(imageSize);
	const views = (augment === 'none' ? 1 : 2) * images.train + images.validation;
	const bytes = views * side * side * 256 * 4;
	if (bytes > LAST_STAGE_CACHE_LIMIT_BYTES) {
		throw new InvalidParameterError(
			'fineTune',
			`last stage would keep ${(bytes / 2 ** 30).toFixed(1)} GB of layer3 activations in memory (${views} image views at ${imageSize} px; the limit is ${LAST_STAGE_CACHE_LIMIT_BYTES / 2 ** 30} GB): choose Classifier Only or Full, or a smaller Image Size`,
		);
	}
	return {
		output: 'layer3',
		prefixes: ['layer4.', 'fc.'],
		shape: [side, side, 256],
		smallestMapSide: layer4Side(imageSize),
		logits: (x, training) => network.forwardFromLayer3(x as tf.Tensor4D, { training }),
	};
}
