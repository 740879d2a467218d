import * as tf from '../compute/tf';
import type { ResNet18 } from '../model/resnet18';

export interface StepResult {
	readonly loss: number;
	readonly correct: number;
}

/**
 * One optimiser step on a batch: training-mode forward (batch-norm statistics update), softmax cross-entropy,
 * gradients of every trainable tensor, update. Every tensor it makes is released before it returns.
 */
export function trainingStep(
	network: ResNet18,
	optimizer: tf.Optimizer,
	images: tf.Tensor4D,
	labels: tf.Tensor1D,
	variables: tf.Variable[] = network.trainableVariables(),
): Promise<StepResult> {
	return optimizerStep(optimizer, network.numClasses, () => network.forward(images, { training: true }), labels, variables);
}

/** Cross-entropy of `logits()` against `labels`, one update of `variables`; nothing it makes outlives it. */
export async function optimizerStep(
	optimizer: tf.Optimizer,
	numClasses: number,
	logits: () => tf.Tensor2D,
	labels: tf.Tensor1D,
	variables: tf.Variable[],
): Promise<StepResult> {
	const targets = tf.oneHot(labels, numClasses);
	let correct: tf.Scalar | undefined;
	const { value, grads } = tf.variableGrads(() => {
		const out = logits();
		correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), labels), 'int32')) as tf.Scalar);
		return tf.losses.softmaxCrossEntropy(targets, out) as tf.Scalar;
	}, variables);
	optimizer.applyGradients(grads);
	try {
		const [loss, count] = await Promise.all([value.data(), correct!.data()]);
		return { loss: loss[0], correct: count[0] };
	} finally {
		tf.dispose([targets, value, correct!, ...Object.values(grads)]);
	}
}

/** torch's Adam defaults: β = (0.9, 0.999), ε = 1e-8 (tfjs's own default ε is 1e-7). */
export function createAdam(learningRate: number): tf.Optimizer {
	return tf.train.adam(learningRate, 0.9, 0.999, 1e-8);
}

/** torch's SGD with momentum (dampening 0, no Nesterov): buffer = m·buffer + g; weight −= lr·buffer. */
export function createSgd(learningRate: number, momentum = 0.9): tf.Optimizer {
	return tf.train.momentum(learningRate, momentum, false);
}
