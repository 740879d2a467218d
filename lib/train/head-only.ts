import type { ResNet18 } from '../model/resnet18';
import { EMBEDDING_SIZE } from '../model/architecture';
import { trainOnFrozenBody } from './frozen-body';
import type { Objective } from './objective';
import type { AugmentationPreset } from './recommend';
import type { TrainOptions } from './options';
import type { EpochRecord, TrainingData, TrainRun } from './train';
import type { ParameterUpdater } from './updater';

/**
 * Classifier only: the frozen ImageNet body turns each image view into its 512-d features once; the FC layer learns
 * on them. Seconds to minutes on CPU, the usual first step of fine-tuning.
 */
export function trainHeadOnly(
	network: ResNet18,
	updater: ParameterUpdater,
	objective: Objective,
	data: TrainingData,
	opts: TrainOptions & { augment: AugmentationPreset },
	run: TrainRun,
	afterEpoch: (record: EpochRecord) => boolean = () => false,
): Promise<{ history: EpochRecord[]; featureEngine: string }> {
	return trainOnFrozenBody(network, updater, objective, data, opts, run, afterEpoch, {
		output: 'features',
		prefixes: ['fc.'],
		shape: [EMBEDDING_SIZE],
		logits: (x) => network.logits(x as Parameters<ResNet18['logits']>[0]),
	});
}
