import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { backendFor, type BackendReport } from '../../compute/backend';
import { reviveError } from '../../error-transfer';
import { Resnet18Error, TrainingAbortedError } from '../../errors';
import { ResNet18 } from '../../model/resnet18';
import type { TrainOptionsInput } from '../options';
import type { TrainingData, TrainResult, TrainRun } from '../types';
import type { TrainJob, TrainThreadMessage, TransferredResult } from './messages';

export interface OffThreadResult extends TrainResult {
	/** Where the training computed: always a thread of its own, said so that callers and logs can tell. */
	readonly trainedOn: 'worker thread';
}

/**
 * `train()` on a thread of its own, so that it never holds up the caller's: in n8n the calling thread is the whole
 * instance: the editor, webhooks, other executions and the request that stops this one. On WebAssembly and JS every
 * step is up to seconds of synchronous compute on the calling thread. The native backends compute on TensorFlow's
 * own thread pool, but tfjs-node's eager ops are synchronous calls that return when the op has run, and the tensors
 * our loop makes between them (batch assembly, metrics) are JavaScript work too, so on the caller's thread a step
 * would hold n8n up for its whole length. Here the caller's thread only relays
 * progress, and a stop ends training at once (the thread is terminated; nothing it does writes files).
 */
export async function trainOffThread(
	data: TrainingData,
	options: TrainOptionsInput = {},
	run: TrainRun = {},
): Promise<OffThreadResult> {
	const backend = await backendFor(run.backend);
	if (run.signal?.aborted) throw stopped();
	const { onProgress, signal, ...portable } = run;
	const job: TrainJob = { data, options, run: { ...portable, backend: backend.kind } };
	const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: job });
	return new Promise<OffThreadResult>((resolve, reject) => {
		let settled = false;
		/** The first outcome wins (its value, or what it throws); the thread is ended either way. */
		const settle = (outcome: () => OffThreadResult) => {
			if (settled) return;
			settled = true;
			signal?.removeEventListener('abort', onAbort);
			void worker.terminate();
			try {
				resolve(outcome());
			} catch (error) {
				reject(error);
			}
		};
		const fail = (error: Error) =>
			settle(() => {
				throw error;
			});
		const onAbort = () => fail(stopped());
		signal?.addEventListener('abort', onAbort, { once: true });
		worker.on('message', (message: TrainThreadMessage) => {
			if (settled) return;
			if (message.kind === 'progress') onProgress?.(message.progress);
			else if (message.kind === 'failed') fail(reviveError(message.error));
			else settle(() => received(message.result, backend));
		});
		worker.on('error', fail);
		worker.on('exit', (code) =>
			fail(new Resnet18Error(`The training thread exited (code ${code}) before it finished`)),
		);
	});
}

function received(result: TransferredResult, backend: BackendReport): OffThreadResult {
	const { state, metadata, ...rest } = result;
	const network = ResNet18.fromStateDict(state, { trusted: true });
	network.classifierReplaced = rest.classifierReplaced;
	// The caller's report of the backend: it chose it, and knows why faster ones were skipped.
	return { ...rest, backend, model: { network, metadata }, trainedOn: 'worker thread' };
}

function stopped(): TrainingAbortedError {
	return new TrainingAbortedError('Training was stopped before it finished; no model was written');
}
