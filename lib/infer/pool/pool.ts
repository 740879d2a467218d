import { concatFloat32 } from '../../concat-float32';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BackendKind } from '../../compute/backend';
import { splitShares } from '../../compute/threads';
import { nextReply } from '../../compute/worker-reply';
import type { ResNet18 } from '../../model/resnet18';
import { computeLocally } from '../local';
import type { InferenceOutput, InferenceRequest, InferenceWorkerSetup } from './messages';

/**
 * Inference on every core for the single-threaded backends: TensorFlow.js's WebAssembly backend computes on one core
 * in Node, so a batch is split into shares, this thread computes one and each worker thread (its own WebAssembly
 * instance) another. The workers hold a copy of the weights taken when the pool starts: a pool is for a trained
 * model or a frozen body, and `isCurrent` tells when the network has changed since.
 */
export class InferencePool {
	private busy: Promise<unknown> = Promise.resolve();

	private constructor(
		private readonly network: ResNet18,
		private readonly workers: Worker[],
		private readonly snapshot: readonly object[],
	) {}

	static async start(
		network: ResNet18,
		threads: number,
		backend: BackendKind,
	): Promise<InferencePool> {
		const state = network.toStateDict();
		const workers: Worker[] = [];
		try {
			for (let i = 1; i < threads; i++) {
				const setup: InferenceWorkerSetup = { backend, state };
				const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: setup });
				workers.push(worker);
				await reply(worker);
				// Idle workers must not keep a finished CLI run alive; a request holds a reference while it runs.
				worker.unref();
			}
		} catch (error) {
			await Promise.all(workers.map((w) => w.terminate()));
			throw error;
		}
		return new InferencePool(network, workers, dataIds(network));
	}

	get threads(): number {
		return this.workers.length + 1;
	}

	/** Whether the network still holds the weights the workers were given. */
	isCurrent(): boolean {
		const now = dataIds(this.network);
		return now.length === this.snapshot.length && now.every((id, i) => id === this.snapshot[i]);
	}

	/** The output for a batch of NHWC pixels, rows in input order; requests run one at a time. */
	run(images: Float32Array, size: number, output: InferenceOutput): Promise<Float32Array> {
		const result = this.busy.then(() => this.runNow(images, size, output));
		this.busy = result.catch(() => undefined);
		return result;
	}

	async close(): Promise<void> {
		await Promise.all(this.workers.map((w) => w.terminate()));
	}

	private async runNow(
		images: Float32Array,
		size: number,
		output: InferenceOutput,
	): Promise<Float32Array> {
		const pixels = size * size * 3;
		const n = images.length / pixels;
		const shares = splitShares(n, this.threads);
		// Workers get their shares first, so that they compute while this thread works on its own.
		const pending = this.workers.map((worker, i) => {
			const [start, count] = shares[i + 1];
			if (count === 0) return Promise.resolve(new Float32Array(0));
			const request: InferenceRequest = {
				images: images.slice(start * pixels, (start + count) * pixels),
				size,
				output,
			};
			worker.ref();
			const answer = reply(worker).finally(() => worker.unref());
			worker.postMessage(request, [request.images.buffer as ArrayBuffer]);
			return answer;
		});
		const own = await computeLocally(
			this.network,
			images.subarray(0, shares[0][1] * pixels),
			size,
			output,
		);
		const parts = [own, ...(await Promise.all(pending))];
		return concatFloat32(parts);
	}
}

function dataIds(network: ResNet18): object[] {
	return network.floatVariables().map((v) => v.variable.dataId as object);
}

function reply(worker: Worker): Promise<Float32Array> {
	return nextReply<{ data: Float32Array }>(worker, 'inference worker').then((r) => r.data);
}
