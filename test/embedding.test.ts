import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { useBackend } from '../lib/compute/backend';
import * as tf from '../lib/compute/tf';
import { classify, type Prediction } from '../lib/infer/classify';
import type { TrainedModel } from '../lib/model-file/model-file';
import { ResNet18 } from '../lib/model/resnet18';
import { goldenStateDict } from './support/golden-weights';
import { tempDir } from './support/temp';
import { testMetadata } from './support/untrained-model';

const VALIDATION = path.join(__dirname, '../../test/fixtures/fashion-mnist-val-1000');

function dot(a: readonly number[], b: readonly number[]): number {
	let s = 0;
	for (let i = 0; i < a.length; i++) s += a[i] * b[i];
	return s;
}

/**
 * Issue 15: Classify Image's Embedding output. The pooled 512-d feature, L2-normalised, finds planted
 * near-duplicates (re-encoded, slightly cropped and rescaled copies) among real images of the same classes.
 */
describe('image embeddings', () => {
	let model: TrainedModel;
	let originals: string[];
	let copies: string[];

	beforeAll(async () => {
		await useBackend('wasm');
		const classes = Array.from({ length: 1000 }, (_, i) => `class ${i}`);
		model = {
			network: ResNet18.fromStateDict(goldenStateDict(1000), { trusted: true }),
			metadata: testMetadata(classes, 64),
		};
		// Three images of each of the ten classes: the near-duplicates must beat same-class look-alikes.
		originals = fs
			.readdirSync(VALIDATION)
			.filter((c) => fs.statSync(path.join(VALIDATION, c)).isDirectory())
			.sort()
			.flatMap((c) =>
				fs
					.readdirSync(path.join(VALIDATION, c))
					.sort()
					.slice(0, 3)
					.map((f) => path.join(VALIDATION, c, f)),
			);
		const dir = tempDir('resnet18-embedding-');
		copies = [];
		for (const [i, file] of originals.entries()) {
			if (i % 3 !== 0) continue;
			const copy = path.join(dir, `copy-${i}.jpg`);
			// JPEG at quality 70, 1 px cut from two sides, scaled to 30 px: what a re-upload does to an image.
			await sharp(file)
				.extract({ left: 1, top: 0, width: 27, height: 27 })
				.resize(30, 30)
				.jpeg({ quality: 70 })
				.toFile(copy);
			copies.push(copy);
		}
	});

	it('is 512 numbers of unit length per image, and leaves no tensor behind', async () => {
		await classify(model, [originals[0]], { embedding: true });
		const before = tf.memory().numTensors;
		const [prediction] = await classify(model, [originals[0], originals[1]], { embedding: true });
		assert.equal(tf.memory().numTensors, before);
		assert.equal(prediction.embedding!.length, 512);
		assert.ok(Math.abs(Math.hypot(...prediction.embedding!) - 1) < 1e-5);
		const [plain] = await classify(model, [originals[0]]);
		assert.equal(plain.embedding, undefined, 'only when asked for');
	});

	it('finds every planted near-duplicate as the nearest of 30 images', async () => {
		const of = (images: string[]): Promise<Prediction[]> =>
			classify(model, images, { embedding: true, batchSize: 10 });
		const base = await of(originals);
		const planted = await of(copies);
		for (const [j, copy] of planted.entries()) {
			const scores = base.map((b) => dot(copy.embedding!, b.embedding!));
			const nearest = scores.indexOf(Math.max(...scores));
			const sorted = [...scores].sort((a, b) => b - a);
			assert.equal(
				nearest,
				j * 3,
				`copy of ${originals[j * 3]}: nearest ${originals[nearest]} (${sorted[0].toFixed(4)} vs next ${sorted[1].toFixed(4)})`,
			);
		}
	});
});
