import type { BackendKind } from '../compute/backend';
import * as tf from '../compute/tf';
import type { ResNet18 } from '../model/resnet18';
import { lossNormaliser, objectiveLoss, type Objective } from './objective';
import { CROSS_ENTROPY, type StepResult } from './step';
import { updaterOf, type Updater } from './updater';

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

/**
 * Gradients of these images' part of a batch's loss (their summed objective over the whole batch's `normaliser`,
 * see objective.ts), summed over micro-batches; the caller disposes them.
 */
export async function accumulateGradients(
	network: ResNet18,
	images: Float32Array,
	labels: Int32Array,
	size: number,
	micro: number,
	normaliser: number,
	objective: Objective = CROSS_ENTROPY,
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
			const x = tf.tensor4d(images.subarray(start * pixels, (start + count) * pixels), [
				count,
				size,
				size,
				3,
			]);
			const y = tf.tensor1d(labels.subarray(start, start + count), 'int32');
			let hits: tf.Scalar | undefined;
			const { value, grads } = tf.variableGrads(() => {
				const logits = network.forward(x, { training: true });
				hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32')) as tf.Scalar);
				return objectiveLoss(logits, y, objective, normaliser);
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
			tf.dispose([x, y, value, hits!]);
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
	updater: tf.Optimizer | Updater,
	images: Float32Array,
	labels: Int32Array,
	size: number,
	micro: number,
	objective: Objective = CROSS_ENTROPY,
	variables: tf.Variable[] = network.trainableVariables(),
): Promise<StepResult> {
	const { sums, loss, correct } = await accumulateGradients(
		network,
		images,
		labels,
		size,
		micro,
		lossNormaliser(labels, objective),
		objective,
		variables,
	);
	try {
		await updaterOf(updater).apply(Object.fromEntries(sums) as tf.NamedTensorMap);
		return { loss, correct };
	} finally {
		tf.dispose([...sums.values()]);
	}
}
