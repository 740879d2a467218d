import * as tf from '../compute/tf';
import { imageBatches } from '../data/batches';
import { TrainingAbortedError } from '../errors';
import { createRng } from '../data/random';
import { detachInference, infer, prepareInference } from '../infer/engine';
import { IMAGENET_NORMALIZATION } from '../data/normalization';
import { MODEL_FORMAT, type ModelMetadata } from '../model-file/metadata';
import { HostYield } from '../compute/host-yield';
import { learningRateAt } from './schedule';
import { clippedSteps, type TrainingSession } from './session';
import { optimizerStep } from './step';
import type { EpochRecord, TrainingData } from './train';

/**
 * Where the network is cut: the frozen part below computes `output` once per image view, the part above learns on it.
 */
export interface FrozenCut {
	readonly output: 'features' | 'layer3';
	/** Trainable tensors: names starting with these. */
	readonly prefixes: readonly string[];
	/** Logits from a batch of cached outputs ([n, …shape]); training mode updates the learning part's BN statistics. */
	readonly logits: (x: tf.Tensor, training: boolean) => tf.Tensor2D;
	/** Shape of one image's cached output. */
	readonly shape: readonly number[];
}

/**
 * Train the part of the network above a frozen body: the body turns each image view into its output (the 512-d
 * features, or layer3's activations) once, then every epoch is a pass of the optimiser over those. Without
 * augmentation one view per image (the evaluation crop); with augmentation a second, augmented view, used on
 * alternate epochs.
 */
export async function trainOnFrozenBody(
	session: TrainingSession,
	cut: FrozenCut,
): Promise<{ history: EpochRecord[]; featureEngine: string }> {
	const { network, updater, objective, data, opts, run } = session;
	// The body is frozen, so its outputs can come from ONNX Runtime when installed (several times faster on CPU),
	// else from TensorFlow.js on every core.
	const engine = await prepareInference(network, inferenceMetadata(opts.imageSize, data.classes), {
		images: data.train.length,
		layer3: cut.output === 'layer3',
	});
	let views: Float32Array[];
	let validation: Float32Array | undefined;
	try {
		const extract = (samples: TrainingData['train'], mode: 'eval' | 'train', view: string) =>
			extractOutputs(session, samples, mode, view, cut.output);
		views = [await extract(data.train, 'eval', 'centre crop')];
		if (opts.augment !== 'none')
			views.push(await extract(data.train, 'train', `augmented (${opts.augment})`));
		validation =
			data.validation.length > 0 ? await extract(data.validation, 'eval', 'validation') : undefined;
	} finally {
		await detachInference(network);
	}

	const rowSize = cut.shape.reduce((a, b) => a * b, 1);
	// Batch norm cannot normalise one value per channel: where the learning part ends at 1×1, a batch of one is skipped.
	const singleValueBn = cut.output === 'layer3' && cut.shape[0] <= 2;
	const variables = network.trainableVariables(cut.prefixes);
	const host = new HostYield();
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
		let seen = 0;
		for (let b = 0; b < batches; b++) {
			if (run.signal?.aborted)
				throw new TrainingAbortedError(
					'Training was stopped before it finished; no model was written',
				);
			const rows = order.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
			if (rows.length === 1 && singleValueBn) continue;
			const x = tf.tensor(gather(features, rows, rowSize), [rows.length, ...cut.shape]);
			const y = Int32Array.from(rows, (r) => trainLabels[r]);
			updater.setLearningRate(
				learningRateAt(
					opts.learningRate,
					opts.schedule,
					opts.warmupEpochs,
					epoch,
					b + 1,
					batches,
					opts.epochs,
				),
			);
			const step = await optimizerStep(updater, () => cut.logits(x, true), y, objective, variables);
			x.dispose();
			lossSum += step.loss * rows.length;
			correct += step.correct;
			seen += rows.length;
			run.onProgress?.({ kind: 'batch', epoch, batch: b + 1, batches, loss: step.loss });
			// Let n8n (and the request that stops this run) get on between steps.
			await host.maybe();
		}
		let record: EpochRecord = {
			epoch,
			trainLoss: lossSum / seen,
			trainAccuracy: correct / seen,
			seconds: 0,
			...clippedSteps(session),
		};
		if (validation && (epoch % opts.evalSteps === 0 || epoch === opts.epochs)) {
			const scored = await score(cut, validation, validationLabels, rowSize);
			record = { ...record, validationLoss: scored.loss, validationAccuracy: scored.accuracy };
		}
		record = { ...record, seconds: (Date.now() - started) / 1000 };
		history.push(record);
		run.onProgress?.({ kind: 'epoch', record, epochs: opts.epochs });
		if (session.afterEpoch(record)) break;
	}
	const threads = engine.threads > 1 ? ` on ${engine.threads} threads` : '';
	const featureEngine =
		engine.engine === 'onnxruntime' ? 'ONNX Runtime' : `TensorFlow.js${threads} (${engine.reason})`;
	return { history, featureEngine };
}

/** The frozen part's output for every sample, in order, from one view (`mode`) of each image. */
async function extractOutputs(
	session: TrainingSession,
	samples: TrainingData['train'],
	mode: 'eval' | 'train',
	view: string,
	output: FrozenCut['output'],
): Promise<Float32Array> {
	const { network, opts, run } = session;
	let out: Float32Array | undefined;
	let offset = 0;
	const batchSize = 16;
	const batches = Math.ceil(samples.length / batchSize);
	let index = 0;
	for await (const batch of imageBatches(samples, {
		batchSize,
		shuffle: false,
		seed: opts.seed,
		mode,
		cropSize: opts.imageSize,
		augmentation: opts.augment,
	})) {
		if (run.signal?.aborted)
			throw new TrainingAbortedError(
				'Training was stopped before it finished; no model was written',
			);
		const part = await infer(network, batch.images, opts.imageSize, output);
		const rowSize = part.length / batch.labels.length;
		out ??= new Float32Array(samples.length * rowSize);
		out.set(part, offset * rowSize);
		offset += batch.labels.length;
		run.onProgress?.({ kind: 'features', view, batch: ++index, batches });
	}
	return out ?? new Float32Array(0);
}

function gather(outputs: Float32Array, rows: readonly number[], rowSize: number): Float32Array {
	const out = new Float32Array(rows.length * rowSize);
	rows.forEach((r, i) => out.set(outputs.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize));
	return out;
}

/** Plain cross-entropy (no smoothing, no weights, comparable across runs) and accuracy on the validation outputs. */
async function score(
	cut: FrozenCut,
	outputs: Float32Array,
	labels: Int32Array,
	rowSize: number,
): Promise<{ loss: number; accuracy: number }> {
	const n = labels.length;
	let lossSum = 0;
	let correct = 0;
	for (let start = 0; start < n; start += SCORE_BATCH) {
		const count = Math.min(SCORE_BATCH, n - start);
		const [loss, hits] = tf.tidy(() => {
			const logits = cut.logits(
				tf.tensor(outputs.subarray(start * rowSize, (start + count) * rowSize), [
					count,
					...cut.shape,
				]),
				false,
			);
			const y = tf.tensor1d(labels.subarray(start, start + count), 'int32');
			const summed = tf.mul(
				tf.losses.softmaxCrossEntropy(tf.oneHot(y, logits.shape[1]), logits),
				count,
			);
			return [summed, tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'))];
		});
		const [l, c] = await Promise.all([loss.data(), hits.data()]);
		tf.dispose([loss, hits]);
		lossSum += l[0];
		correct += c[0];
	}
	return { loss: lossSum / n, accuracy: correct / n };
}

const SCORE_BATCH = 64;

/** What the exporter needs to know of a network that is not a finished model yet. */
function inferenceMetadata(imageSize: number, classes: readonly string[]): ModelMetadata {
	return {
		format: MODEL_FORMAT,
		architecture: 'resnet18',
		classes: [...classes],
		inputSize: imageSize,
		resizeSize: Math.round((imageSize * 256) / 224),
		normalization: IMAGENET_NORMALIZATION,
		packageVersion: 'training',
		createdAt: new Date().toISOString(),
	};
}
