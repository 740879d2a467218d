import * as tf from '../compute/tf';
import type { ResNet18 } from '../model/resnet18';
import { lossNormaliser, objectiveLoss, type Objective } from './objective';
import { updaterOf, type Updater } from './updater';

export interface StepResult {
	readonly loss: number;
	readonly correct: number;
}

/** Plain cross-entropy: no label smoothing, every class weighs 1. */
export const CROSS_ENTROPY: Objective = { labelSmoothing: 0 };

/**
 * One optimiser step on a batch: training-mode forward (batch-norm statistics update), the objective, gradients of
 * every trainable tensor, update. Every tensor it makes is released before it returns.
 */
export function trainingStep(
	network: ResNet18,
	updater: tf.Optimizer | Updater,
	images: tf.Tensor4D,
	labels: Int32Array,
	objective: Objective = CROSS_ENTROPY,
	variables: tf.Variable[] = network.trainableVariables(),
): Promise<StepResult> {
	return optimizerStep(
		updater,
		() => network.forward(images, { training: true }),
		labels,
		objective,
		variables,
	);
}

/** The objective of `logits()` against `labels`, one update of `variables`; nothing it makes outlives it. */
export async function optimizerStep(
	updater: tf.Optimizer | Updater,
	logits: () => tf.Tensor2D,
	labels: Int32Array,
	objective: Objective,
	variables: tf.Variable[],
): Promise<StepResult> {
	const y = tf.tensor1d(labels, 'int32');
	let correct: tf.Scalar | undefined;
	const normaliser = lossNormaliser(labels, objective);
	const { value, grads } = tf.variableGrads(() => {
		const out = logits();
		correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), y), 'int32')) as tf.Scalar);
		return objectiveLoss(out, y, objective, normaliser);
	}, variables);
	try {
		await updaterOf(updater).apply(grads);
		const [loss, count] = await Promise.all([value.data(), correct!.data()]);
		return { loss: loss[0], correct: count[0] };
	} finally {
		tf.dispose([y, value, correct!, ...Object.values(grads)]);
	}
}
