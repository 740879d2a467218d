import * as tf from '../compute/tf';
import { imageBatches } from '../data/batches';
import { TrainingAbortedError } from '../errors';
import type { ResNet18 } from '../model/resnet18';
import { createRng } from '../data/random';
import type { AugmentationPreset } from './recommend';
import { optimizerStep } from './step';
import { applyWeightDecay, learningRateAt, setLearningRate } from './schedule';
import { attachOnnxRuntime, detachOnnxRuntime } from '../infer/onnx-runtime';
import { predictFeatures } from '../infer/predict';
import { IMAGENET_NORMALIZATION } from '../data/normalization';
import { MODEL_FORMAT, type ModelMetadata } from '../model-file/metadata';
import type { EpochRecord, TrainingData, TrainRun } from './train';
import type { TrainOptions } from './options';

const FEATURES = 512;

/**
 * Train only the classifier: the frozen body turns each image view into a 512-d feature vector once, then every
 * epoch is a pass of Adam over those vectors. Without augmentation one view per image (the evaluation crop); with
 * augmentation a second, augmented view, used on alternate epochs.
 */
export async function trainHeadOnly(
	network: ResNet18,
	optimizer: tf.Optimizer,
	data: TrainingData,
	opts: TrainOptions & { augment: AugmentationPreset },
	run: TrainRun,
	afterEpoch: (record: EpochRecord) => boolean = () => false,
): Promise<{ history: EpochRecord[]; featureEngine: string }> {
	// The body is frozen, so its features can come from ONNX Runtime when installed (several times faster on CPU).
	const engine = await attachOnnxRuntime(network, inferenceMetadata(opts.imageSize, data.classes));
	let views: Float32Array[];
	let validation: Float32Array | undefined;
	try {
		views = [await extractFeatures(network, data.train, opts, 'eval', run, 'centre crop')];
		if (opts.augment !== 'none') views.push(await extractFeatures(network, data.train, opts, 'train', run, `augmented (${opts.augment})`));
		validation = data.validation.length > 0 ? await extractFeatures(network, data.validation, opts, 'eval', run, 'validation') : undefined;
	} finally {
		await detachOnnxRuntime(network);
	}

	const variables = network.trainableVariables(['fc.']);
	const trainLabels = Int32Array.from(data.train, (s) => s.label);
	const validationLabels = Int32Array.from(data.validation, (s) => s.label);
	const history: EpochRecord[] = [];
	const batches = Math.ceil(data.train.length / opts.batchSize);
	for (let epoch = 1; epoch <= opts.epochs; epoch++) {
		const started = Date.now();
		const features = views[(epoch - 1) % views.length];
		const order = data.train.map((_, i) => i);
		if (opts.shuffle) createRng(opts.seed * 1000 + epoch).shuffle(order);
		let lossSum = 0;
		let correct = 0;
		for (let b = 0; b < batches; b++) {
			if (run.signal?.aborted) throw new TrainingAbortedError('Training was stopped before it finished; no model was written');
			const rows = order.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
			const x = tf.tensor2d(gather(features, rows), [rows.length, FEATURES]);
			const y = tf.tensor1d(Int32Array.from(rows, (r) => trainLabels[r]), 'int32');
			const rate = learningRateAt(opts.learningRate, opts.schedule, opts.warmupEpochs, epoch, b + 1, batches, opts.epochs);
			setLearningRate(optimizer, rate);
			const step = await optimizerStep(optimizer, network.numClasses, () => network.logits(x), y, variables);
			if (opts.optimizer === 'adamw') applyWeightDecay(network, rate, opts.weightDecay, ['fc.']);
			tf.dispose([x, y]);
			lossSum += step.loss * rows.length;
			correct += step.correct;
			run.onProgress?.({ kind: 'batch', epoch, batch: b + 1, batches, loss: step.loss });
			// Let an n8n stop request (an HTTP call on this event loop) arrive between steps.
			if (b % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
		}
		let record: EpochRecord = { epoch, trainLoss: lossSum / data.train.length, trainAccuracy: correct / data.train.length, seconds: 0 };
		if (validation && (epoch % opts.evalSteps === 0 || epoch === opts.epochs)) {
			const scored = await score(network, validation, validationLabels);
			record = { ...record, validationLoss: scored.loss, validationAccuracy: scored.accuracy };
		}
		record = { ...record, seconds: (Date.now() - started) / 1000 };
		history.push(record);
		run.onProgress?.({ kind: 'epoch', record, epochs: opts.epochs });
		if (afterEpoch(record)) break;
	}
	const featureEngine = engine.engine === 'onnxruntime' ? 'ONNX Runtime' : `TensorFlow.js (${engine.reason})`;
	return { history, featureEngine };
}

async function extractFeatures(
	network: ResNet18,
	samples: TrainingData['train'],
	opts: TrainOptions & { augment: AugmentationPreset },
	mode: 'eval' | 'train',
	run: TrainRun,
	view: string,
): Promise<Float32Array> {
	const out = new Float32Array(samples.length * FEATURES);
	let offset = 0;
	const batchSize = 16;
	const batches = Math.ceil(samples.length / batchSize);
	let index = 0;
	for await (const batch of imageBatches(samples, { batchSize, shuffle: false, seed: opts.seed, mode, cropSize: opts.imageSize, augmentation: opts.augment })) {
		if (run.signal?.aborted) throw new TrainingAbortedError('Training was stopped before it finished; no model was written');
		out.set(await predictFeatures(network, batch.images, opts.imageSize), offset * FEATURES);
		offset += batch.labels.length;
		run.onProgress?.({ kind: 'features', view, batch: ++index, batches });
	}
	return out;
}

function gather(features: Float32Array, rows: readonly number[]): Float32Array {
	const out = new Float32Array(rows.length * FEATURES);
	rows.forEach((r, i) => out.set(features.subarray(r * FEATURES, (r + 1) * FEATURES), i * FEATURES));
	return out;
}

async function score(network: ResNet18, features: Float32Array, labels: Int32Array): Promise<{ loss: number; accuracy: number }> {
	const n = labels.length;
	const [loss, correct] = tf.tidy(() => {
		const logits = network.logits(tf.tensor2d(features, [n, FEATURES]));
		const y = tf.tensor1d(labels, 'int32');
		return [tf.losses.softmaxCrossEntropy(tf.oneHot(y, network.numClasses), logits), tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'))];
	});
	const [l, c] = await Promise.all([loss.data(), correct.data()]);
	tf.dispose([loss, correct]);
	return { loss: l[0], accuracy: c[0] / n };
}

/** What the exporter needs to know of a network that is not a finished model yet. */
function inferenceMetadata(imageSize: number, classes: readonly string[]): ModelMetadata {
	return { format: MODEL_FORMAT, architecture: 'resnet18', classes: [...classes], inputSize: imageSize, resizeSize: Math.round((imageSize * 256) / 224), normalization: IMAGENET_NORMALIZATION, packageVersion: 'training', createdAt: new Date().toISOString() };
}
