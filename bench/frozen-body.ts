/**
 * `npm run bench:head` / `npm run bench:last-stage`: fine-tuning on a frozen body end to end, 1,000 images × 15
 * epochs at 224×224, decoding included, on the backend in use: the classifier only, or layer4 + the classifier. The
 * body is a ResNet-18 given as "pretrained" weights (random here: no ImageNet file exists on our machines; the cost is
 * the same).
 * Options (environment): BENCH_DEPTH (head | last-stage), BENCH_IMAGES (1000), BENCH_EPOCHS (15), BENCH_AUGMENT
 * (standard: two views per image), BENCH_SIZE (224).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useBackend } from '../lib/compute/backend';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { ResNet18 } from '../lib/model/resnet18';
import type { AugmentationChoice } from '../lib/data/augment';
import { trainingDataFromFolder } from '../lib/data/training-data';
import { train } from '../lib/train/train';

async function main(): Promise<void> {
	const images = Number(process.env.BENCH_IMAGES ?? 1000);
	const epochs = Number(process.env.BENCH_EPOCHS ?? 15);
	const augment = (process.env.BENCH_AUGMENT ?? 'standard') as AugmentationChoice;
	const depth = (process.env.BENCH_DEPTH ?? 'head') as 'head' | 'last-stage';
	const size = Number(process.env.BENCH_SIZE ?? 224);
	const dir = path.join(os.tmpdir(), `resnet18-bench-head-${images}`);
	if (!fs.existsSync(dir))
		await writeSyntheticDataset(dir, {
			classes: 5,
			perClass: Math.ceil(images / 5),
			size: 256,
			seed: 4,
		});
	const backend = await useBackend('auto');
	const body = ResNet18.initialize(1000, 1);
	const weights = body.toStateDict();
	body.dispose();
	const loadBefore = os.loadavg();
	const started = performance.now();
	const { data } = await trainingDataFromFolder(dir, { validationSplit: 0 });
	const phases: Record<string, number> = {};
	let mark = performance.now();
	let lastEpochs = performance.now();
	const result = await train(
		data,
		{
			epochs,
			batchSize: depth === 'head' ? 32 : 16,
			learningRate: 1e-3,
			imageSize: size,
			fineTune: depth,
			augment,
		},
		{
			initialWeights: weights,
			onProgress: (p) => {
				if (p.kind === 'features' && p.batch === p.batches) {
					phases[`${depth === 'head' ? 'features' : 'layer3 activations'}: ${p.view}`] =
						(performance.now() - mark) / 1000;
					mark = performance.now();
				}
				if (p.kind === 'epoch') {
					process.stderr.write(
						`epoch ${p.record.epoch}/${p.epochs}: ${((performance.now() - lastEpochs) / 1000).toFixed(1)} s\n`,
					);
					lastEpochs = performance.now();
				}
			},
		},
	);
	phases[`${epochs} epochs on the features`] = (performance.now() - mark) / 1000;
	result.model.network.dispose();
	const total = (performance.now() - started) / 1000;
	console.log(
		`${depth === 'head' ? 'classifier-only' : 'last stage + classifier'} fine-tuning, ${data.train.length} images × ${epochs} epochs at ${size}×${size}, augmentation ${augment}, ${backend.kind}; ${result.fineTune.featureEngine}:`,
	);
	for (const [phase, seconds] of Object.entries(phases))
		console.log(`  ${phase}: ${seconds.toFixed(1)} s`);
	console.log(
		`  total (scan, decode, features, training): ${total.toFixed(1)} s; final train accuracy ${result.history.at(-1)!.trainAccuracy.toFixed(3)}`,
	);
	console.log(
		`  machine: ${os.cpus().length} cores, load before ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}, after ${os
			.loadavg()
			.map((l) => l.toFixed(2))
			.join(' / ')}`,
	);
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
