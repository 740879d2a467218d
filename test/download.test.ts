import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { FileError } from '../lib/errors';
import { downloadFile } from '../lib/weights/download';
import { ensurePretrained } from '../lib/weights/pretrained';
import { PRETRAINED_SOURCES } from '../lib/weights/pretrained-sources';
import { tempDir } from './support/temp';

/** A weights server on 127.0.0.1 serving bytes the test made, with HTTP Range support and a way to break off. */
function startServer(files: Map<string, Buffer>) {
	const log: { path: string; range?: string; auth?: string }[] = [];
	let breakAfter: number | undefined;
	const server = http.createServer((req, res) => {
		log.push({ path: req.url!, range: req.headers.range, auth: req.headers.authorization });
		const body = files.get(req.url!);
		if (!body) {
			res.writeHead(404).end('not found');
			return;
		}
		const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
		const start = range ? Number(range[1]) : 0;
		if (start >= body.length) {
			res.writeHead(416).end();
			return;
		}
		const slice = body.subarray(start);
		res.writeHead(range ? 206 : 200, {
			'Content-Length': slice.length,
			...(range ? { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
		});
		if (breakAfter !== undefined) {
			const cut = breakAfter;
			breakAfter = undefined;
			res.write(slice.subarray(0, cut), () => res.destroy());
			return;
		}
		res.end(slice);
	});
	return {
		log,
		breakNextAfter: (bytes: number) => (breakAfter = bytes),
		listen: () =>
			new Promise<string>((resolve) =>
				server.listen(0, '127.0.0.1', () =>
					resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
				),
			),
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

describe('downloading pretrained weights (a local server stands in for download.pytorch.org)', () => {
	const weights = randomBytes(3 * 1024 * 1024);
	const sha256 = createHash('sha256').update(weights).digest('hex');
	const files = new Map([
		['/models/weights.pth', weights],
		[`/mirror/${PRETRAINED_SOURCES['imagenet-timm'].file}`, weights],
	]);
	const server = startServer(files);
	let base: string;
	beforeAll(async () => {
		base = await server.listen();
	});
	afterAll(() => server.close());

	it('downloads, verifies the SHA-256, reports progress, and leaves no part file', async () => {
		const target = path.join(tempDir(), 'w.pth');
		const progress: number[] = [];
		const result = await downloadFile(`${base}/models/weights.pth`, target, {
			sha256,
			onProgress: (p) => progress.push(p.received),
		});
		assert.equal(result.sha256, sha256);
		assert.deepEqual(fs.readFileSync(target), weights);
		assert.equal(progress.at(-1), weights.length);
		assert.ok(!fs.existsSync(`${target}.part`));
	});

	it('accepts torchvision-style hash prefixes and refuses a mismatch, deleting what it got', async () => {
		const target = path.join(tempDir(), 'w.pth');
		await downloadFile(`${base}/models/weights.pth`, target, { sha256Prefix: sha256.slice(0, 8) });
		const wrong = path.join(tempDir(), 'wrong.pth');
		await assert.rejects(
			downloadFile(`${base}/models/weights.pth`, wrong, { sha256Prefix: '00000000' }),
			(e: unknown) =>
				e instanceof FileError && /SHA-256 is [0-9a-f]{64}, expected 00000000/.test(e.message),
		);
		assert.ok(!fs.existsSync(wrong) && !fs.existsSync(`${wrong}.part`));
	});

	it('resumes an interrupted download with a Range request', async () => {
		const target = path.join(tempDir(), 'w.pth');
		server.breakNextAfter(1024 * 1024);
		await assert.rejects(downloadFile(`${base}/models/weights.pth`, target, { sha256 }));
		const partial = fs.statSync(`${target}.part`).size;
		assert.ok(partial > 0 && partial < weights.length, `kept ${partial} bytes`);
		const result = await downloadFile(`${base}/models/weights.pth`, target, { sha256 });
		assert.equal(result.resumedFrom, partial);
		assert.equal(server.log.at(-1)!.range, `bytes=${partial}-`);
		assert.deepEqual(fs.readFileSync(target), weights);
	});

	it('names the URL and the status on 404, and says where to put the file when the host cannot be reached', async () => {
		const target = path.join(tempDir(), 'w.pth');
		await assert.rejects(downloadFile(`${base}/models/missing.pth`, target), /HTTP 404/);
		await assert.rejects(
			downloadFile('http://127.0.0.1:9/models/weights.pth', target),
			(e: unknown) => e instanceof FileError && e.message.includes(`place it at ${target}`),
		);
	});

	it('uses a mirror with a bearer token once, then works offline from the cache', async () => {
		const cacheFolder = tempDir();
		const first = await ensurePretrained('imagenet-timm', {
			cacheFolder,
			baseUrl: `${base}/mirror/`,
			token: 'hf_test',
			sha256,
		});
		assert.equal(first.downloaded, true);
		assert.equal(server.log.at(-1)!.auth, 'Bearer hf_test');
		const requests = server.log.length;
		const again = await ensurePretrained('imagenet-timm', {
			cacheFolder,
			baseUrl: 'http://127.0.0.1:9',
			sha256,
		});
		assert.equal(again.downloaded, false, 'served from the cache, no network');
		assert.equal(server.log.length, requests);
		assert.equal(again.file, first.file);
	});
});
