/**
 * A stand-in for a weights mirror (the ResNet Weights Source credential's base URL), for e2e.sh:
 * `node dist/test/e2e/weights-mirror.js <dir>` writes a seeded 1,000-class ResNet-18 in timm's file layout
 * (no ImageNet weights can be fetched here), serves `<dir>` on 127.0.0.1, prints `{"url": …}` once listening, and
 * appends one JSON line per request (path, Authorization header) to `<dir>/requests.jsonl`.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { PRETRAINED_SOURCES, ResNet18, useBackend, writeSafetensors } from '../../lib';

async function main(dir: string): Promise<void> {
	await useBackend('auto');
	const network = ResNet18.initialize(1000, 11);
	const file = PRETRAINED_SOURCES['imagenet-timm'].file;
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(path.join(dir, file), writeSafetensors(network.toStateDict()));
	network.dispose();
	const log = path.join(dir, 'requests.jsonl');
	const server = http.createServer((req, res) => {
		fs.appendFileSync(
			log,
			`${JSON.stringify({ path: req.url, auth: req.headers.authorization ?? null })}\n`,
		);
		const name = decodeURIComponent((req.url ?? '').replace(/^\/+/, ''));
		const target = path.join(dir, name);
		if (name !== file || !fs.existsSync(target)) return void res.writeHead(404).end('not found');
		const body = fs.readFileSync(target);
		res.writeHead(200, { 'Content-Length': body.length }).end(body);
	});
	server.listen(0, '127.0.0.1', () =>
		console.log(
			JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, file }),
		),
	);
}

main(process.argv[2] ?? '.').catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
