import { parentPort } from 'node:worker_threads';
import { pilResize } from '../pil-resize';
import type { ResizeReply, ResizeRequest } from './messages';

parentPort!.on('message', (r: ResizeRequest) => {
	let reply: ResizeReply;
	try {
		const data = pilResize(r);
		reply = { id: r.id, data };
		parentPort!.postMessage(reply, [data.buffer as ArrayBuffer]);
	} catch (error) {
		reply = { id: r.id, error: error instanceof Error ? error.message : String(error) };
		parentPort!.postMessage(reply);
	}
});
