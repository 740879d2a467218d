import type { BackendKind } from '../compute/backend';
import * as tf from '../compute/tf';
import type { ResNet18 } from '../model/resnet18';
import type { StepResult } from './step';

/**
 * The WebAssembly heap is capped at 4 GiB and a ResNet-18 training step at 224×224 needs ~0.25 GB per image on top of
 * ~1 GB of weights, optimiser state and gradients: batch 16 already does not fit. Larger batches (the model card allows
 * 128) run as micro-batches whose gradients are accumulated into one optimiser step.
 */
const WASM_IMAGES_AT_224 = 8;

export function microBatchSize(batchSize: number, imageSize: number, backend: BackendKind): number {
	if (backend !== 'wasm' && backend !== 'js') return batchSize;
	const fit = Math.max(1, Math.floor(WASM_IMAGES_AT_224 * (224 / imageSize) ** 2));
	return Math.min(batchSize, fit);
}

/** Gradients of a share of a batch's mean loss (`count / total` of it), summed over micro-batches; caller disposes. */
export async function accumulateGradients(
	network: ResNet18,
	images: Float32Array,
	labels: Int32Array,
	size: number,
	micro: number,
	total: number,
	variables: tf.Variable[] = network.trainableVariables(),
): Promise<{ sums: Map<string, tf.Tensor>; loss: number; correct: number }> {
	const n = labels.length;
	const pixels = size * size * 3;
	const sums = new Map<string, tf.Tensor>();
	let loss = 0;
	let correct = 0;
	try {
		for (let start = 0; start < n; start += micro) {
			const count = Math.min(micro, n - start);
			const x = tf.tensor4d(images.subarray(start * pixels, (start + count) * pixels), [count, size, size, 3]);
			const y = tf.tensor1d(labels.subarray(start, start + count), 'int32');
			const targets = tf.oneHot(y, network.numClasses);
			let hits: tf.Scalar | undefined;
			const { value, grads } = tf.variableGrads(() => {
				const logits = network.forward(x, { training: true });
				hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32')) as tf.Scalar);
				return tf.mul(tf.losses.softmaxCrossEntropy(targets, logits), count / total) as tf.Scalar;
			}, variables);
			for (const [name, grad] of Object.entries(grads)) {
				const previous = sums.get(name);
				sums.set(name, previous ? tf.keep(tf.add(previous, grad)) : tf.keep(grad));
				if (previous) {
					previous.dispose();
					grad.dispose();
				}
			}
			const [l, c] = await Promise.all([value.data(), hits!.data()]);
			loss += l[0];
			correct += c[0];
			tf.dispose([x, y, targets, value, hits!]);
		}
		return { sums, loss, correct };
	} catch (error) {
		tf.dispose([...sums.values()]);
		throw error;
	}
}

/**
 * One optimiser step over `n` images in micro-batches of `micro`: each micro-batch's gradient of its share of the
 * mean loss is added up, then applied once, which is the gradient of the whole batch's mean loss. (Batch norm sees
 * micro-batch statistics, as in PyTorch with gradient accumulation.)
 */
export async function accumulatedStep(
	network: ResNet18,
	optimizer: tf.Optimizer,
	images: Float32Array,
	labels: Int32Array,
	size: number,
	micro: number,
	variables: tf.Variable[] = network.trainableVariables(),
): Promise<StepResult> {
	const { sums, loss, correct } = await accumulateGradients(network, images, labels, size, micro, labels.length, variables);
	try {
		optimizer.applyGradients(Object.fromEntries(sums) as tf.NamedTensorMap);
		return { loss, correct };
	} finally {
		tf.dispose([...sums.values()]);
	}
}
