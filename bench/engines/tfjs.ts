/**
 * One tfjs backend's figures, in a process of its own (tfjs keeps one global engine):
 * `node dist/bench/engines/tfjs.js BACKEND` prints a JSON array of rows. On WASM a second row gives what the nodes
 * run on every core: inference through the worker pool, training data-parallel over worker threads.
 */
import * as os from 'node:os';
import * as tf from '../../lib/compute/tf';
import { parseBackendChoice, useBackend } from '../../lib/compute/backend';
import { onNativeBackend } from '../../lib/compute/native-backend';
import { ResNet18 } from '../../lib/model/resnet18';
import { createAdam } from '../../lib/train/optimizers';
import { trainingStep } from '../../lib/train/step';
import { ParallelTrainer } from '../../lib/train/parallel/trainer';
import { microBatchSize } from '../../lib/train/micro-batch';
import { detachInference, prepareInference } from '../../lib/infer/engine';
import { predictProbabilities } from '../../lib/infer/predict';
import type { StateDict } from '../../lib/weights/host-tensor';
import { benchMetadata } from './metadata';
import { benchShape, timed, type EngineFigures } from './figures';

const { size, batch, steps } = benchShape();

async function main(choice: string): Promise<EngineFigures[]> {
	const backend = await useBackend(parseBackendChoice(choice, 'BACKEND'));
	const name = `tfjs ${tf.version_core} ${backend.kind}`;
	const model = ResNet18.initialize(10, 0);
	const x8 = tf.randomNormal([batch, size, size, 3]) as tf.Tensor4D;
	const x1 = tf.randomNormal([1, size, size, 3]) as tf.Tensor4D;
	const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
	const forward = (x: tf.Tensor4D) => async () => {
		const logits = model.forward(x);
		await logits.data();
		logits.dispose();
	};
	const rows: EngineFigures[] = [];
	const single: EngineFigures = {
		engine: backend.kind === 'wasm' ? `${name}, 1 thread` : name,
		forwardBatchMsPerImage: (await timed(forward(x8), steps)) / batch,
		forwardBatch1Ms: await timed(forward(x1), steps * 2),
	};
	rows.push(single);
	if (onNativeBackend()) rows.push(await graphRow(name, x8));
	const optimizer = createAdam(5e-5);
	single.trainStepMsPerImage =
		(await timed(async () => void (await trainingStep(model, optimizer, x8, labels)), steps)) /
		batch;
	const threads = ParallelTrainer.threadsFor(backend.kind, os.availableParallelism());
	if (threads > 1) rows.push(await onEveryCore(model, optimizer, x8, labels, threads, name));
	tf.dispose([x8, x1]);
	optimizer.dispose();
	model.dispose();
	return rows;
}

/**
 * The native backends' inference engine (lib/infer/native-graph.ts): the same forward as one TensorFlow graph, from
 * pixels to probabilities as Classify Image runs it.
 */
async function graphRow(name: string, x8: tf.Tensor4D): Promise<EngineFigures> {
	const model = ResNet18.fromStateDict(withStatistics(ResNet18.initialize(10, 0).toStateDict()));
	try {
		const engine = await prepareInference(model, benchMetadata(size), { onnxRuntime: false });
		const label = `${name}, TensorFlow graph`;
		if (engine.engine !== 'tensorflow-graph')
			return { engine: `${label} (not used: ${engine.reason})` };
		const p8 = (await x8.data()) as Float32Array;
		const p1 = p8.slice(0, size * size * 3);
		return {
			engine: label,
			forwardBatchMsPerImage:
				(await timed(async () => void (await predictProbabilities(model, p8, size)), steps)) /
				batch,
			forwardBatch1Ms: await timed(
				async () => void (await predictProbabilities(model, p1, size)),
				steps * 2,
			),
		};
	} finally {
		await detachInference(model);
		model.dispose();
	}
}

/**
 * Batch-norm statistics and shifts as training leaves them. An untrained network's folded biases are all zero, and
 * TensorFlow's constant folding drops a BiasAdd of zeros, which leaves no bias for a convolution to fuse with: the
 * graph timed would not be a trained model's.
 */
function withStatistics(state: StateDict): StateDict {
	for (const [name, tensor] of state) {
		if (tensor.dtype !== 'float32' || tensor.shape.length !== 1 || name.startsWith('fc.')) continue;
		const wave = (i: number) => Math.sin(i * 0.7 + name.length);
		if (name.endsWith('.running_var')) tensor.data.forEach((_, i, d) => (d[i] = 1 + 0.5 * wave(i)));
		else if (name.endsWith('.running_mean') || name.endsWith('.bias'))
			tensor.data.forEach((_, i, d) => (d[i] = 0.1 * wave(i)));
	}
	return state;
}

/** Classify Image's pooled inference and the Train node's data-parallel step, forced onto every core. */
async function onEveryCore(
	model: ResNet18,
	optimizer: ReturnType<typeof createAdam>,
	x8: tf.Tensor4D,
	labels: Int32Array,
	threads: number,
	name: string,
): Promise<EngineFigures> {
	const backend = await useBackend();
	const pixels = (await x8.data()) as Float32Array;
	const row: EngineFigures = { engine: `${name}, ${threads} worker threads` };
	const engine = await prepareInference(model, benchMetadata(size), {
		images: batch,
		onnxRuntime: false,
	});
	if (engine.engine === 'tfjs' && engine.threads > 1) {
		row.forwardBatchMsPerImage =
			(await timed(async () => void (await predictProbabilities(model, pixels, size)), steps * 2)) /
			batch;
	}
	await detachInference(model);
	const parallel = await ParallelTrainer.start(model, threads, backend.kind);
	try {
		row.trainStepMsPerImage =
			(await timed(
				async () =>
					void (await parallel.step(
						optimizer,
						pixels,
						labels,
						size,
						microBatchSize(batch, size, backend.kind),
					)),
				steps,
			)) / batch;
	} finally {
		await parallel.close();
	}
	return row;
}

void main(process.argv[2] ?? 'auto').then(
	(rows) => process.stdout.write(`${JSON.stringify(rows)}\n`),
	(error: unknown) => {
		process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
		process.exitCode = 1;
	},
);
