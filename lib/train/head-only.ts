import type { ResNet18 } from '../model/resnet18';
import { EMBEDDING_SIZE } from '../model/architecture';
import { trainOnFrozenBody } from './frozen-body';
import type { TrainingSession } from './session';
import type { EpochRecord } from './train';

/**
 * Classifier only: the frozen ImageNet body turns each image view into its 512-d features once; the FC layer learns
 * on them. Seconds to minutes on CPU, the usual first step of fine-tuning.
 */
export function trainHeadOnly(
	session: TrainingSession,
): Promise<{ history: EpochRecord[]; featureEngine: string }> {
	const { network } = session;
	return trainOnFrozenBody(session, {
		output: 'features',
		prefixes: ['fc.'],
		shape: [EMBEDDING_SIZE],
		logits: (x) => network.logits(x as Parameters<ResNet18['logits']>[0]),
	});
}
