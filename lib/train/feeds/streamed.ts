import * as tf from '../../compute/tf';
import { imageBatches } from '../../data/batches';
import type { AugmentationPreset } from '../../data/augment';
import type { TrainingData } from '../../data/training-data';
import { evaluateSamples } from '../../eval/evaluate';
import type { ResNet18 } from '../../model/resnet18';
import { canBatchNormalise, layer4Side } from '../batch-norm-rule';
import type { BatchPosition, StepOutcome, TrainingFeed } from '../fit';
import { accumulatedStep } from '../micro-batch';
import type { Objective } from '../objective';
import type { ParallelTrainer } from '../parallel/trainer';
import { trainingStep, type StepResult } from '../step';
import type { ParameterUpdater } from '../updater';

export interface StreamedFeedSettings {
	readonly batchSize: number;
	readonly imageSize: number;
	readonly shuffle: boolean;
	readonly seed: number;
	readonly augment: AugmentationPreset;
	/** Images per forward/backward pass (a batch larger than this is accumulated in micro-batches). */
	readonly microBatch: number;
}

/**
 * Full fine-tuning's feed: every layer learns on streamed, augmented image batches — split over worker threads
 * when `parallel` is given and every share can be batch-normalised, in micro-batches when a batch does not fit the
 * WebAssembly heap, else in one step on this thread.
 */
export function streamedFeed(
	network: ResNet18,
	updater: ParameterUpdater,
	objective: Objective,
	data: TrainingData,
	settings: StreamedFeedSettings,
	parallel: ParallelTrainer | undefined,
	signal: AbortSignal | undefined,
): TrainingFeed {
	const { batchSize, imageSize, microBatch } = settings;
	const side = layer4Side(imageSize);
	const batchesPerEpoch = Math.ceil(data.train.length / batchSize);

	async function step(images: Float32Array, labels: Int32Array): Promise<StepResult> {
		const n = labels.length;
		if (parallel && canBatchNormalise(Math.floor(n / parallel.threads), side))
			return parallel.step(updater, images, labels, imageSize, microBatch);
		if (n > microBatch)
			return accumulatedStep(network, updater, images, labels, imageSize, microBatch, objective);
		const x = tf.tensor4d(images, [n, imageSize, imageSize, 3]);
		try {
			return await trainingStep(network, updater, x, labels, objective);
		} finally {
			x.dispose();
		}
	}

	return {
		batchesPerEpoch,
		async *epoch(
			epoch: number,
			beforeStep: (at: BatchPosition) => void,
		): AsyncIterable<StepOutcome> {
			let batch = 0;
			for await (const b of imageBatches(data.train, {
				batchSize,
				shuffle: settings.shuffle,
				seed: settings.seed * 1000 + epoch,
				mode: 'train',
				augmentation: settings.augment,
				cropSize: imageSize,
			})) {
				batch++;
				const images = b.labels.length;
				if (!canBatchNormalise(images, side)) continue;
				beforeStep({ epoch, batch, batches: batchesPerEpoch });
				const result = await step(b.images, b.labels);
				yield { images, loss: result.loss, correct: result.correct };
			}
		},
		async validate() {
			if (data.validation.length === 0) return undefined;
			const evaluation = await evaluateSamples(network, data.validation, data.classes, {
				imageSize,
				batchSize: Math.max(batchSize, 16),
				signal,
			});
			return { loss: evaluation.metrics.loss, accuracy: evaluation.metrics.accuracy };
		},
	};
}
