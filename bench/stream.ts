/**
 * `npm run bench:stream -- <folder>`: memory while streaming a large dataset. Scans the folder (class subfolders),
 * streams every image once through the training data path at 224×224 with heavy augmentation, then trains one epoch
 * on all of it at a small input size, sampling RSS throughout. Memory must not grow with the number of images: the
 * report prints RSS after the first tenth and at the end of each phase, and the peak.
 *
 * With no folder, 5,000 generated images are used. Fashion-MNIST: ../shared/data/fashion-mnist.sh OUT 500.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { useBackend } from '../lib/compute/backend';
import * as tf from '../lib/compute/tf';
import { imageBatches } from '../lib/data/batches';
import { trainingDataFromFolder } from '../lib/data/training-data';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { train } from '../lib/train/train';

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

async function main(): Promise<void> {
	let folder = process.argv[2];
	if (!folder) {
		folder = path.join(os.tmpdir(), 'resnet18-stream-5000');
		if (!fs.existsSync(folder))
			await writeSyntheticDataset(folder, { classes: 5, perClass: 1000, size: 96, seed: 1 });
	}
	const backend = await useBackend('auto');
	let peak = 0;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
	const t0 = performance.now();
	const { data, manifest } = await trainingDataFromFolder(folder, { validationSplit: 0 });
	const n = data.train.length;
	console.log(
		`${folder}: ${n} images, ${manifest.classes.length} classes, scanned in ${((performance.now() - t0) / 1000).toFixed(1)} s, RSS ${mb(process.memoryUsage.rss())}`,
	);

	const rssAtTenth: number[] = [];
	peak = 0;
	let seen = 0;
	const t1 = performance.now();
	for await (const batch of imageBatches(data.train, {
		batchSize: 8,
		shuffle: true,
		seed: 1,
		mode: 'train',
		cropSize: 224,
		augmentation: 'heavy',
	})) {
		seen += batch.labels.length;
		if (rssAtTenth.length === 0 && seen >= n / 10) rssAtTenth.push(process.memoryUsage.rss());
	}
	const streamSeconds = (performance.now() - t1) / 1000;
	console.log(
		`stream at 224 (heavy augmentation): ${seen} images in ${streamSeconds.toFixed(1)} s (${(seen / streamSeconds).toFixed(0)}/s); RSS after the first tenth ${mb(rssAtTenth[0])}, at the end ${mb(process.memoryUsage.rss())}, peak ${mb(peak)}`,
	);

	const size = Number(process.env.BENCH_STREAM_TRAIN_SIZE ?? 32);
	const rss: number[] = [];
	peak = 0;
	const t2 = performance.now();
	const tensorsBefore = tf.memory().numTensors;
	const result = await train(
		data,
		{ epochs: 1, batchSize: 8, imageSize: size, learningRate: 1e-3, augment: 'standard' },
		{
			backend: backend.kind,
			onProgress: (p) => {
				if (p.kind === 'batch' && (p.batch === Math.ceil(p.batches / 10) || p.batch === p.batches))
					rss.push(process.memoryUsage.rss());
			},
		},
	);
	result.model.network.dispose();
	clearInterval(sampler);
	console.log(
		`train 1 epoch at ${size}×${size} (${backend.kind}): ${n} images in ${((performance.now() - t2) / 1000).toFixed(0)} s; RSS after the first tenth ${mb(rss[0])}, at the last batch ${mb(rss[rss.length - 1])}, peak ${mb(peak)}; tensors before/after ${tensorsBefore}/${tf.memory().numTensors}`,
	);
	console.log(
		`machine: ${os.cpus().length} cores, load ${os
			.loadavg()
			.map((l) => l.toFixed(2))
			.join(' / ')}`,
	);
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
