import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { availableCores, threadsFromEnvironment } from '../../compute/threads';
import { pilResize, type ResizeJob } from '../pil-resize';
import type { ResizeReply, ResizeRequest } from './messages';

/**
 * Pillow's resize (lib/data/pil-resize.ts) on worker threads, one per core: in JavaScript it costs ~5 ms for a
 * 640×480 photo, on the thread that also runs training or serves n8n, where libvips's resize runs on its own pool.
 * Spread over the cores, the torchvision-exact data path decodes as many images a second as sharp's did.
 * Small images are resized where they are: posting them costs more than the work. RESNET18_THREADS=1 keeps every
 * resize on the calling thread.
 */
const OFF_THREAD_PIXELS = 256 * 256;

interface Pending {
	readonly resolve: (data: Uint8Array) => void;
	readonly reject: (error: Error) => void;
}

class ResizePool {
	private readonly workers: { worker: Worker; inFlight: number }[] = [];
	private readonly pending = new Map<number, Pending & { slot: number }>();
	private nextId = 0;

	constructor(size: number) {
		for (let i = 0; i < size; i++) this.workers.push({ worker: this.start(i), inFlight: 0 });
	}

	private start(slot: number): Worker {
		const worker = new Worker(path.join(__dirname, 'worker.js'));
		worker.on('message', (reply: ResizeReply) => {
			const p = this.pending.get(reply.id);
			if (!p) return;
			this.pending.delete(reply.id);
			this.settled(slot);
			if ('error' in reply) p.reject(new Error(reply.error));
			else
				p.resolve(new Uint8Array(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength));
		});
		worker.on('error', (error) => this.fail(slot, error));
		worker.on('exit', () => this.fail(slot, new Error('resize worker exited')));
		// An idle worker must not keep a CLI or a test process alive (unref'd after the listeners: adding one refs it).
		worker.unref();
		return worker;
	}

	/** Busy workers hold the process open (a resize in flight is awaited); idle ones do not. */
	private settled(slot: number): void {
		const w = this.workers[slot];
		if (--w.inFlight === 0) w.worker.unref();
	}

	/** A dead worker's resizes fail over to this thread's caller; a fresh worker takes its slot. */
	private fail(slot: number, error: Error): void {
		for (const [id, p] of this.pending)
			if (p.slot === slot) {
				this.pending.delete(id);
				p.reject(error);
			}
		this.workers[slot] = { worker: this.start(slot), inFlight: 0 };
	}

	resize(request: ResizeJob): Promise<Uint8Array> {
		let slot = 0;
		for (let i = 1; i < this.workers.length; i++)
			if (this.workers[i].inFlight < this.workers[slot].inFlight) slot = i;
		const id = this.nextId++;
		// A copy goes (~0.1 ms for a photo): the caller keeps its pixels to resize itself if the worker fails.
		const data = request.data.slice();
		return new Promise<Uint8Array>((resolve, reject) => {
			this.pending.set(id, { resolve, reject, slot });
			const w = this.workers[slot];
			if (w.inFlight++ === 0) w.worker.ref();
			w.worker.postMessage({ ...request, id, data } satisfies ResizeRequest, [
				data.buffer as ArrayBuffer,
			]);
		});
	}
}

let pool: ResizePool | undefined | null;

function sharedPool(): ResizePool | null {
	if (pool === undefined) {
		const threads = threadsFromEnvironment() ?? availableCores();
		pool = threads > 1 ? new ResizePool(threads) : null;
	}
	return pool;
}

/** pilResize, off this thread when the image is large enough and there is more than one core. */
export async function pilResizeOffThread(job: ResizeJob): Promise<Uint8Array> {
	const workers = job.width * job.height >= OFF_THREAD_PIXELS ? sharedPool() : null;
	if (!workers || (job.outWidth === job.width && job.outHeight === job.height))
		return pilResize(job);
	try {
		return await workers.resize(job);
	} catch {
		// A worker that died (out of memory, killed) costs time, never the image: the same resize, here.
		return pilResize(job);
	}
}
