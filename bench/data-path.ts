import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { imageBatches } from '../lib/data/batches';
import type { AugmentationPreset } from '../lib/data/augment';
import type { LabelledImage } from '../lib/data/labelled-image';
import type { Resampler } from '../lib/data/preprocessing';

/**
 * Decode + augment throughput of the training data path, on photo-sized JPEGs (640×480, the size phone exports and
 * web images often have), streamed exactly as training streams them.
 */
export async function benchDataPath(
	size: number,
	batch: number,
	images = 64,
): Promise<Record<AugmentationPreset | 'eval' | 'eval, sharp/0 (0.1.x files)', number>> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnet18-bench-data-'));
	try {
		const samples: LabelledImage[] = [];
		for (let i = 0; i < images; i++) {
			const file = path.join(dir, `photo-${i}.jpg`);
			// Noise compresses like a detailed photo, so decoding costs what a real photo costs.
			const noise = Buffer.alloc(160 * 120 * 3);
			for (let j = 0; j < noise.length; j++) noise[j] = (j * 2654435761 + i * 97) >>> 24;
			await sharp(noise, { raw: { width: 160, height: 120, channels: 3 } })
				.resize(640, 480)
				.jpeg({ quality: 90 })
				.toFile(file);
			samples.push({ file, label: i % 10 });
		}
		const rate = async (
			mode: 'train' | 'eval',
			augmentation?: AugmentationPreset,
			resampler?: Resampler,
		) => {
			const start = performance.now();
			let seen = 0;
			for await (const b of imageBatches(samples, {
				batchSize: batch,
				shuffle: true,
				seed: 1,
				mode,
				cropSize: size,
				augmentation,
				resampler,
			}))
				seen += b.labels.length;
			return (seen * 1000) / (performance.now() - start);
		};
		await rate('eval'); // warm-up: sharp's thread pool and caches
		return {
			eval: await rate('eval'),
			'eval, sharp/0 (0.1.x files)': await rate('eval', undefined, 'sharp'),
			none: await rate('train', 'none'),
			light: await rate('train', 'light'),
			standard: await rate('train', 'standard'),
			heavy: await rate('train', 'heavy'),
		};
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}
