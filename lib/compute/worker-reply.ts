import type { Worker } from 'node:worker_threads';

export type Reply<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly error: string };

/** The worker's next message: resolved when it reports success, rejected (naming `what`) on failure or exit. */
export function nextReply<T>(worker: Worker, what: string): Promise<{ readonly ok: true } & T> {
	return new Promise((resolve, reject) => {
		const onMessage = (message: Reply<T>) => {
			cleanup();
			if (message.ok) resolve(message);
			else reject(new Error(`${what} failed: ${message.error}`));
		};
		const onError = (error: Error) => {
			cleanup();
			reject(error);
		};
		const onExit = (code: number) => {
			cleanup();
			reject(new Error(`${what} exited (code ${code})`));
		};
		const cleanup = () => {
			worker.off('message', onMessage);
			worker.off('error', onError);
			worker.off('exit', onExit);
		};
		worker.on('message', onMessage);
		worker.on('error', onError);
		worker.on('exit', onExit);
	});
}
