/**
 * An inference worker: its own TensorFlow.js (its own WebAssembly instance, so its own core) holding a copy of the
 * network. It answers each request with the probabilities or the features of the images it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { useBackend } from '../../compute/backend';
import { ResNet18 } from '../../model/resnet18';
import { computeLocally } from '../local';
import type { InferenceReply, InferenceRequest, InferenceWorkerSetup } from './messages';

async function main(): Promise<void> {
	const setup = workerData as InferenceWorkerSetup;
	await useBackend(setup.backend);
	const network = ResNet18.fromStateDict(setup.state, { trusted: true });
	parentPort!.on('message', (request: InferenceRequest) => {
		// Computed on the next turn of the event loop, not inside the port's message callback: measured here, a forward
		// run inside that callback took ~1.4× as long (bench: pooled batch of 8, 93–104 vs 68–70 ms/image).
		setImmediate(() => {
			computeLocally(network, request.images, request.size, request.output).then(
				(data) =>
					parentPort!.postMessage({ ok: true, data } satisfies InferenceReply, [
						data.buffer as ArrayBuffer,
					]),
				(error: unknown) =>
					parentPort!.postMessage({
						ok: false,
						error: error instanceof Error ? (error.stack ?? error.message) : String(error),
					} satisfies InferenceReply),
			);
		});
	});
	parentPort!.postMessage({ ok: true, data: new Float32Array(0) } satisfies InferenceReply);
}

void main().catch((error: unknown) =>
	parentPort!.postMessage({
		ok: false,
		error: error instanceof Error ? (error.stack ?? error.message) : String(error),
	} satisfies InferenceReply),
);
