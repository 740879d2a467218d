import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { computesOnCallingThread, type BackendKind } from '../../compute/backend';
import * as tf from '../../compute/tf';
import type { ResNet18 } from '../../model/resnet18';
import { accumulateGradients } from '../micro-batch';
import { lossNormaliser, type Objective } from '../objective';
import { CROSS_ENTROPY, type StepResult } from '../step';
import { updaterOf, type Updater } from '../updater';
import { flatLayout, writeWeights, type FlatLayout } from './layout';
import type { StepRequest, WorkerReply, WorkerSetup } from './messages';
import { availableCores, splitShares } from '../../compute/threads';
import { nextReply } from '../../compute/worker-reply';

export { splitShares };

/**
 * Data-parallel training over worker threads. TensorFlow.js's WebAssembly backend computes on one core in Node; each
 * worker runs its own instance on another. A batch is split into shares, this thread computes one share and every
 * worker another, the gradients are summed (each share's loss is weighted by its size, so the sum is the gradient of
 * the batch mean), and this thread's optimiser applies them. Batch-norm running statistics are averaged over shares.
 * Weights travel through one SharedArrayBuffer that workers read before each step.
 */
/** Images per thread below which a batch is not split (see `threadsFor`). */
export const MIN_SHARE = 8;

export class ParallelTrainer {
	private constructor(
		private readonly network: ResNet18,
		private readonly workers: Worker[],
		private readonly layout: FlatLayout,
		private readonly weights: Float32Array,
		private readonly outputs: Float32Array[],
		private readonly objective: Objective,
	) {}

	/**
	 * Threads worth using: one per core on the single-threaded backends, but only as many as give every share at least
	 * MIN_SHARE images. Batch norm normalises each share with its own statistics (as PyTorch's DDP without
	 * SyncBatchNorm does), and below ~8 images those statistics get noisy enough to hurt training. An explicit count
	 * (the `threads` option, RESNET18_THREADS) is obeyed as given.
	 */
	static threadsFor(backend: BackendKind, requested?: number, batchSize?: number): number {
		if (!computesOnCallingThread(backend)) return 1;
		const cores = availableCores();
		if (requested !== undefined) return Math.max(1, Math.min(requested, cores));
		const byBatch = batchSize === undefined ? cores : Math.floor(batchSize / MIN_SHARE);
		return Math.max(1, Math.min(cores, byBatch));
	}

	static async start(
		network: ResNet18,
		threads: number,
		backend: BackendKind,
		objective: Objective = CROSS_ENTROPY,
	): Promise<ParallelTrainer> {
		const layout = flatLayout(network);
		const weightsBuffer = new SharedArrayBuffer(layout.total * 4);
		const weights = new Float32Array(weightsBuffer);
		await writeWeights(network, layout, weights);
		const state = network.toStateDict();
		const workers: Worker[] = [];
		const outputs: Float32Array[] = [];
		try {
			for (let i = 1; i < threads; i++) {
				const output = new SharedArrayBuffer(layout.total * 4);
				const setup: WorkerSetup = { backend, state, weights: weightsBuffer, output, objective };
				const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: setup });
				workers.push(worker);
				outputs.push(new Float32Array(output));
				await reply(worker); // ready
			}
		} catch (error) {
			await Promise.all(workers.map((w) => w.terminate()));
			throw error;
		}
		return new ParallelTrainer(network, workers, layout, weights, outputs, objective);
	}

	get threads(): number {
		return this.workers.length + 1;
	}

	/** One optimiser step over the batch, computed on every thread. */
	async step(
		updater: tf.Optimizer | Updater,
		images: Float32Array,
		labels: Int32Array,
		size: number,
		micro: number,
	): Promise<StepResult> {
		const n = labels.length;
		const normaliser = lossNormaliser(labels, this.objective);
		const pixels = size * size * 3;
		const shares = splitShares(n, this.threads);
		// Workers get the later shares; a share of one image cannot be batch-normalised at small sizes, so tiny
		// batches stay on this thread.
		const pending = this.workers.map((worker, i) => {
			const [start, count] = shares[i + 1];
			if (count === 0) return Promise.resolve(undefined);
			const request: StepRequest = {
				images: images.slice(start * pixels, (start + count) * pixels),
				labels: labels.slice(start, start + count),
				size,
				micro,
				normaliser,
			};
			worker.postMessage(request, [
				request.images.buffer as ArrayBuffer,
				request.labels.buffer as ArrayBuffer,
			]);
			return reply(worker);
		});
		const [, ownCount] = shares[0];
		const own = await accumulateGradients(
			this.network,
			images.subarray(0, ownCount * pixels),
			labels.subarray(0, ownCount),
			size,
			micro,
			normaliser,
			this.objective,
		);
		const replies = await Promise.all(pending);
		let { loss, correct } = own;
		const sums = own.sums;
		try {
			const byName = new Map(this.network.floatVariables().map((v) => [v.name, v.variable]));
			const contributing = replies
				.map((r, i) => (r ? this.outputs[i] : undefined))
				.filter((o): o is Float32Array => o !== undefined);
			for (const r of replies)
				if (r) ({ loss, correct } = { loss: loss + r.loss, correct: correct + r.correct });
			for (const e of this.layout.entries) {
				const variable = byName.get(e.name)!;
				if (e.trainable) {
					const total = contributing.reduce<Float32Array>(
						(acc, out) => addInto(acc, out, e.offset),
						Float32Array.from(sumData(sums.get(variable.name)!)),
					);
					const previous = sums.get(variable.name)!;
					sums.set(variable.name, tf.tensor(total, [...e.shape]));
					previous.dispose();
				} else if (contributing.length > 0) {
					// Running statistics: the mean over the shares that ran (this thread's included).
					const mean = Float32Array.from((await variable.data()) as Float32Array);
					for (const out of contributing)
						for (let j = 0; j < e.size; j++) mean[j] += out[e.offset + j];
					for (let j = 0; j < e.size; j++) mean[j] /= contributing.length + 1;
					const value = tf.tensor(mean, [...e.shape]);
					variable.assign(value);
					value.dispose();
				}
			}
			// Clipping, weight decay and the like happen here too, before the workers are handed the new weights.
			await updaterOf(updater).apply(Object.fromEntries(sums) as tf.NamedTensorMap);
		} finally {
			for (const t of sums.values()) t.dispose();
		}
		await writeWeights(this.network, this.layout, this.weights);
		return { loss, correct };
	}

	async close(): Promise<void> {
		await Promise.all(this.workers.map((w) => w.terminate()));
	}
}

function sumData(t: tf.Tensor): Float32Array {
	return t.dataSync() as Float32Array;
}

function addInto(acc: Float32Array, source: Float32Array, offset: number): Float32Array {
	for (let j = 0; j < acc.length; j++) acc[j] += source[offset + j];
	return acc;
}

function reply(worker: Worker): Promise<WorkerReply & { ok: true }> {
	return nextReply<{ loss: number; correct: number }>(worker, 'gradient worker');
}
