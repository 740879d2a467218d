/**
 * The training thread: runs `train()` with its own TensorFlow.js (its own WebAssembly instance) and reports progress
 * and the result to the thread that started it. Stopping is the parent's `terminate()`: nothing here writes files.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { transferError } from '../../error-transfer';
import { train } from '../train';
import type { TrainJob, TrainThreadMessage } from './messages';

async function main(): Promise<void> {
	const job = workerData as TrainJob;
	const post = (message: TrainThreadMessage, transfer: ArrayBuffer[] = []) =>
		parentPort!.postMessage(message, transfer);
	try {
		const result = await train(job.data, job.options, {
			...job.run,
			onProgress: (progress) => post({ kind: 'progress', progress }),
		});
		const state = result.model.network.toStateDict();
		const { model, ...rest } = result;
		model.network.dispose();
		post(
			{ kind: 'done', result: { ...rest, metadata: model.metadata, state } },
			[...state.values()].map((t) => t.data.buffer as ArrayBuffer),
		);
	} catch (error) {
		post({ kind: 'failed', error: transferError(error) });
	}
}

void main();
