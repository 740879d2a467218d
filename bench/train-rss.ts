/**
 * Peak memory of a full fine-tuning run at 224×224, batch 8, in a process of its own (`npm run bench` starts it):
 * `node dist/bench/train-rss.js THREADS [off-thread]` trains one epoch over 32 generated images through `train()`
 * (with `off-thread`: `trainOffThread()`, as the Train node does) — data pipeline, WebAssembly heaps and worker
 * threads included — and prints one JSON line with the process's peak RSS (VmHWM). BENCH_BACKEND (auto) picks the
 * backend, as `useBackend` takes it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseBackendChoice, useBackend } from '../lib/compute/backend';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { trainingDataFromFolder } from '../lib/data/training-data';
import { train } from '../lib/train/train';
import { trainOffThread } from '../lib/train/off-thread/train-off-thread';

function peakRssMb(): number {
	const line = fs
		.readFileSync('/proc/self/status', 'utf8')
		.split('\n')
		.find((l) => l.startsWith('VmHWM:'));
	return line ? Number(line.replace(/\D+/g, '')) / 1024 : process.memoryUsage.rss() / 2 ** 20;
}

async function main(threads: number, offThread: boolean): Promise<void> {
	const dir = path.join(os.tmpdir(), 'resnet18-bench-train-rss');
	if (!fs.existsSync(dir))
		await writeSyntheticDataset(dir, { classes: 2, perClass: 20, size: 256, seed: 5 });
	const backend = await useBackend(
		parseBackendChoice(process.env.BENCH_BACKEND ?? 'auto', 'BENCH_BACKEND'),
	);
	const { data } = await trainingDataFromFolder(dir, { validationSplit: 0.2, seed: 1 });
	const run = offThread ? trainOffThread : train;
	const result = await run(
		data,
		{ epochs: 1, batchSize: 8, imageSize: 224, fineTune: 'full', augment: 'standard' },
		{ threads },
	);
	result.model.network.dispose();
	console.log(
		JSON.stringify({
			backend: backend.kind,
			threads: result.threads,
			offThread,
			microBatch: result.microBatch,
			images: data.train.length,
			peakRssMb: peakRssMb(),
		}),
	);
}

void main(Number(process.argv[2] ?? 1), process.argv[3] === 'off-thread').catch(
	(error: unknown) => {
		console.error(error);
		process.exitCode = 1;
	},
);
