import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { pilResize } from '../lib/data/pil-resize';
import { pilResizeOffThread } from '../lib/data/resize-pool/pool';

function photo(width: number, height: number, seed: number): Uint8Array {
	const data = new Uint8Array(width * height * 3);
	for (let i = 0; i < data.length; i++) data[i] = ((i + seed) * 2654435761) >>> 24;
	return data;
}

/** Issue 14: the torchvision-exact resize runs on worker threads so that the data path keeps sharp's pace. */
describe("Pillow's resize on worker threads", () => {
	it('gives the same bytes as on the calling thread, bilinear and bicubic, down and up', async () => {
		for (const [w, h, ow, oh, filter] of [
			[640, 480, 341, 256, 'bilinear'],
			[480, 640, 256, 341, 'bicubic'],
			[300, 260, 600, 520, 'bilinear'],
		] as const) {
			const data = photo(w, h, ow);
			const job = { data, width: w, height: h, channels: 3, outWidth: ow, outHeight: oh, filter };
			const off = await pilResizeOffThread(job);
			assert.deepEqual(off, pilResize(job), `${w}×${h} → ${ow}×${oh}`);
			assert.equal(data.length, w * h * 3, "the caller's pixels are left as they were");
		}
	});

	it('computes a window of the result as the same bytes as the whole result, cropped', async () => {
		for (const [w, h, ow, oh, filter] of [
			[640, 480, 341, 256, 'bilinear'],
			[480, 640, 256, 341, 'bicubic'],
			[200, 300, 200, 250, 'bilinear'],
			[300, 200, 250, 200, 'bicubic'],
			[120, 90, 260, 195, 'bilinear'],
		] as const) {
			const data = photo(w, h, oh);
			const job = { data, width: w, height: h, channels: 3, outWidth: ow, outHeight: oh, filter };
			const whole = pilResize(job);
			const window = { left: ow >> 3, top: oh >> 2, width: ow >> 1, height: oh >> 1 };
			const cropped = new Uint8Array(window.width * window.height * 3);
			for (let y = 0; y < window.height; y++) {
				const from = ((window.top + y) * ow + window.left) * 3;
				cropped.set(whole.subarray(from, from + window.width * 3), y * window.width * 3);
			}
			assert.deepEqual(pilResize({ ...job, window }), cropped);
			assert.deepEqual(
				await pilResizeOffThread({ ...job, window }),
				cropped,
				`${w}×${h} → ${ow}×${oh}, off the thread`,
			);
		}
	});

	it('answers 40 resizes in flight at once, each with its own image', async () => {
		const inputs = Array.from({ length: 40 }, (_, i) => photo(320, 240 + i, i));
		const jobs = inputs.map((data, i) => ({
			data,
			width: 320,
			height: 240 + i,
			channels: 3,
			outWidth: 160,
			outHeight: 120,
			filter: 'bilinear' as const,
		}));
		const outs = await Promise.all(jobs.map((job) => pilResizeOffThread(job)));
		outs.forEach((out, i) => assert.deepEqual(out, pilResize(jobs[i])));
	});
});
