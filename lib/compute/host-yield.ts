import { isMainThread } from 'node:worker_threads';

/**
 * Compute on this thread is synchronous: while a training step runs (~0.1–5 s on WASM), nothing else in the process
 * does — in n8n that is the whole instance: the editor, webhooks, and the request that stops this very execution.
 * Awaiting a promise between steps lets only callbacks that are already queued run, so an HTTP request that needs a
 * dozen turns of the event loop (body, auth, database queries on the thread pool) advanced one turn per step:
 * measured in the e2e at 64 px, a stop request was answered after 8.9 s. A pause on a timer lets the loop wait for
 * I/O that completes within it, so such a request advances several turns per pause. The pause is a small share of
 * the compute before it (3 %, 1–20 ms), so it costs the same fraction of training time at any step size.
 * On WebAssembly and JS the Train node trains on a thread of its own (train/off-thread); this is for training that
 * runs on the caller's thread: the CLI, and n8n with a native backend.
 */
export class HostYield {
	private last = performance.now();

	constructor(
		private readonly everyMs = 50,
		private readonly share = 0.03,
		private readonly maxPauseMs = 20,
	) {}

	/** Pauses briefly if at least `everyMs` of compute ran since the last pause. */
	async maybe(): Promise<void> {
		// Off the main thread nobody waits on this one (n8n trains there, see train/off-thread).
		if (!isMainThread) return;
		const ran = performance.now() - this.last;
		if (ran < this.everyMs) return;
		const pause = Math.min(this.maxPauseMs, Math.max(1, ran * this.share));
		await new Promise((resolve) => setTimeout(resolve, pause));
		this.last = performance.now();
	}
}
