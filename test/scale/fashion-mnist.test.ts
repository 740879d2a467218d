/**
 * Scale spec (slow; `npm run test:scale`): thousands of real images. Uses Fashion-MNIST from Debian
 * (`../shared/data/fashion-mnist.sh`), written once into .cache/fashion-mnist, or FASHION_MNIST_DIR when set.
 */
import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imageBatches } from '../../lib/data/batches';
import { manifestFromFolder, type DatasetManifest } from '../../lib/data/manifest';
import { manifestToTrainingData } from '../../lib/data/training-data';

const repo = path.resolve(__dirname, '../../..');
const dir = process.env.FASHION_MNIST_DIR ?? path.join(repo, '.cache', 'fashion-mnist');

describe('Fashion-MNIST: 5,000 real images scanned and streamed', () => {
	let manifest: DatasetManifest;
	beforeAll(async () => {
		if (!fs.existsSync(path.join(dir, 'train'))) {
			execFileSync('bash', [path.join(repo, '../shared/data/fashion-mnist.sh'), dir, '500'], {
				stdio: 'inherit',
			});
		}
		manifest = await manifestFromFolder(path.join(dir, 'train'), { validationSplit: 0.2, seed: 1 });
	});

	it('finds 10 classes of 500, splits 400/100 each, and reports the tiny 28 px images as such', () => {
		assert.equal(manifest.classes.length, 10);
		for (const c of manifest.classes)
			assert.deepEqual(manifest.counts[c], { train: 400, validation: 100 });
		assert.equal(manifest.report.filesLeftOut, 0);
		assert.equal(manifest.report.tinyImages, 5000, '28×28 is under the 32 px warning');
		assert.equal(manifest.report.recommendation.datasetSize, 'medium');
	});

	it('streams every training image exactly once at 224 px with heavy augmentation, in bounded memory', async () => {
		const data = manifestToTrainingData(manifest);
		const seen = new Set<string>();
		let rssAtTenth = 0;
		let peak = 0;
		for await (const batch of imageBatches(data.train, {
			batchSize: 8,
			shuffle: true,
			seed: 3,
			mode: 'train',
			cropSize: 224,
			augmentation: 'heavy',
		})) {
			for (const f of batch.files) seen.add(f);
			peak = Math.max(peak, process.memoryUsage.rss());
			if (rssAtTenth === 0 && seen.size >= data.train.length / 10)
				rssAtTenth = process.memoryUsage.rss();
		}
		assert.equal(seen.size, data.train.length);
		const growth = (peak - rssAtTenth) / 2 ** 20;
		assert.ok(
			growth < 150,
			`RSS grew ${growth.toFixed(0)} MB after the first tenth: memory must not follow the dataset size`,
		);
	});
});
