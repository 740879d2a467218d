/**
 * A gradient worker: its own TensorFlow.js (its own WebAssembly instance, so its own core) and its own copy of the
 * network. Per step it loads the trainer's latest weights, computes the gradients of its share of the batch, and
 * writes them and its batch-norm running statistics into shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { useBackend } from '../../compute/backend';
import { ResNet18 } from '../../model/resnet18';
import { accumulateGradients } from '../micro-batch';
import { flatLayout, readWeights } from './layout';
import type { StepRequest, WorkerReply, WorkerSetup } from './messages';

async function main(): Promise<void> {
	const setup = workerData as WorkerSetup;
	await useBackend(setup.backend);
	const network = ResNet18.fromStateDict(setup.state, { trusted: true });
	const layout = flatLayout(network);
	const weights = new Float32Array(setup.weights);
	const output = new Float32Array(setup.output);
	const byName = new Map(network.floatVariables().map((v) => [v.name, v.variable]));
	parentPort!.on('message', (request: StepRequest) => {
		// Outside the port's message callback, where WebAssembly compute ran slower (see infer/pool/worker.ts).
		setImmediate(() => {
			step(request).then(
				(reply) => parentPort!.postMessage(reply),
				(error: unknown) =>
					parentPort!.postMessage({
						ok: false,
						error: error instanceof Error ? (error.stack ?? error.message) : String(error),
					} satisfies WorkerReply),
			);
		});
	});
	parentPort!.postMessage({ ok: true, loss: 0, correct: 0 } satisfies WorkerReply);

	async function step(request: StepRequest): Promise<WorkerReply> {
		readWeights(network, layout, weights);
		const { sums, loss, correct } = await accumulateGradients(
			network,
			request.images,
			request.labels,
			request.size,
			request.micro,
			request.normaliser,
			setup.objective,
		);
		try {
			for (const e of layout.entries) {
				const source = e.trainable ? sums.get(byName.get(e.name)!.name) : byName.get(e.name);
				if (!source) throw new Error(`internal: no gradient for ${e.name}`);
				output.set((await source.data()) as Float32Array, e.offset);
			}
		} finally {
			for (const t of sums.values()) t.dispose();
		}
		return { ok: true, loss, correct };
	}
}

void main();
