import { InvalidParameterError } from '../errors';
import { layer3Side } from '../model/architecture';
import type { ResNet18 } from '../model/resnet18';
import { trainOnFrozenBody } from './frozen-body';
import type { TrainingSession } from './session';
import type { EpochRecord } from './train';

/** Layer3's activations are kept in memory for the whole run: beyond this, last-stage fine-tuning is refused. */
export const LAST_STAGE_CACHE_LIMIT_BYTES = 3 * 2 ** 30;

/**
 * Last stage + classifier: stem to layer3 frozen (eval mode), their output computed once per image view; layer4 (two
 * residual blocks, ~75 % of the weights, with its batch norm in training mode) and the FC layer learn on it. About a
 * quarter of a full step's arithmetic per image, with the high-level features free to adapt.
 */
export function trainLastStage(
	session: TrainingSession,
): Promise<{ history: EpochRecord[]; featureEngine: string }> {
	const { network, data, opts } = session;
	const side = layer3Side(opts.imageSize);
	const views = (opts.augment === 'none' ? 1 : 2) * data.train.length + data.validation.length;
	const bytes = views * side * side * 256 * 4;
	if (bytes > LAST_STAGE_CACHE_LIMIT_BYTES) {
		throw new InvalidParameterError(
			'fineTune',
			`last stage would keep ${(bytes / 2 ** 30).toFixed(1)} GB of layer3 activations in memory (${views} image views at ${opts.imageSize} px; the limit is ${LAST_STAGE_CACHE_LIMIT_BYTES / 2 ** 30} GB): choose Classifier Only or Full, or a smaller Image Size`,
		);
	}
	return trainOnFrozenBody(session, {
		output: 'layer3',
		prefixes: ['layer4.', 'fc.'],
		shape: [side, side, 256],
		logits: (x, training) =>
			network.forwardFromLayer3(x as Parameters<ResNet18['forwardFromLayer3']>[0], { training }),
	});
}
