import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../lib/compute/tf';
import type { LabelledImage } from '../lib/data/labelled-image';
import { FileError, InvalidParameterError, TrainingAbortedError } from '../lib/errors';
import { knnAccuracy, knnLeaveOneOut } from '../lib/eval/knn';
import { embedImages, knnBaseline, type KnnBaseline } from '../lib/eval/knn-baseline';
import { decodeForModel, unitRow } from '../lib/infer/classify';
import { detachInference, prepareInference } from '../lib/infer/engine';
import { loadImagenetClassifier } from '../lib/infer/imagenet';
import { predictFeatures } from '../lib/infer/predict';
import { PRETRAINED_SOURCES } from '../lib/weights/pretrained-sources';
import { writeSafetensors } from '../lib/weights/safetensors';
import { testBackend } from './support/backend';
import { goldenStateDict } from './support/golden-weights';
import { tempDir } from './support/temp';

const TORCHVISION = PRETRAINED_SOURCES['imagenet-torchvision'];
const TIMM = PRETRAINED_SOURCES['imagenet-timm'];
const FASHION = path.join(__dirname, '../../test/fixtures/fashion-mnist-300');
// Three garments that look alike at 28 px, so that the kNN's answer is neither all right nor all wrong.
const CLASSES = ['shirt', 'pullover', 'coat'];

/** The first `count` images of each class in a split of the Fashion-MNIST fixture. */
function fashion(split: 'train' | 'val', count: number): LabelledImage[] {
	return CLASSES.flatMap((c, label) =>
		fs
			.readdirSync(path.join(FASHION, split, c))
			.sort()
			.slice(0, count)
			.map((f) => ({ file: path.join(FASHION, split, c, f), label })),
	);
}

/** Unit vectors in the plane at the given cosines to (1, 0): similarities that are exact in binary. */
function atCosines(cosines: readonly number[]): Float32Array {
	return Float32Array.from(cosines.flatMap((c) => [c, Math.sqrt(1 - c * c)]));
}

describe('kNN over unit-length embeddings', () => {
	const query = Float32Array.of(1, 0);

	it('takes the majority of the k nearest, not the nearest alone', () => {
		const reference = atCosines([0.99, 0.9, 0.8, -1]);
		const labels = Int32Array.of(0, 1, 1, 0);
		assert.deepEqual(knnAccuracy(reference, labels, query, Int32Array.of(1), 2, 3), {
			accuracy: 1,
			correct: 1,
			count: 1,
			k: 3,
		});
		assert.equal(knnAccuracy(reference, labels, query, Int32Array.of(0), 2, 1).correct, 1);
	});

	it('breaks a tie in votes by summed similarity, then by the nearest', () => {
		// 2 votes each; label 1 sums 1.5 against label 0's 1.0, though label 0 holds the nearest.
		const bySum = atCosines([0.9, 0.8, 0.7, 0.1]);
		assert.equal(
			knnAccuracy(bySum, Int32Array.of(0, 1, 1, 0), query, Int32Array.of(1), 2, 4).correct,
			1,
		);
		// 2 votes and a sum of 1 each (exact in binary): the nearest, 0.75, decides for label 0.
		const byNearest = atCosines([0.5, 0.75, 0.5, 0.25]);
		const labels = Int32Array.of(1, 0, 1, 0);
		assert.equal(knnAccuracy(byNearest, labels, query, Int32Array.of(0), 2, 4).correct, 1);
		assert.equal(knnAccuracy(byNearest, labels, query, Int32Array.of(1), 2, 4).correct, 0);
	});

	it('votes with every reference when k is larger, and says the k it used', () => {
		const reference = atCosines([0.1, 0.2, 0.3]);
		const queries = Float32Array.of(1, 0, 0, 1);
		// Label 1 has 2 of the 3 votes for both queries: the second query is labelled 0, so half are right.
		assert.deepEqual(
			knnAccuracy(reference, Int32Array.of(1, 0, 1), queries, Int32Array.of(1, 0), 2, 10),
			{ accuracy: 0.5, correct: 1, count: 2, k: 3 },
		);
	});

	it('leaves each row out of its own vote', () => {
		// Two pairs of near neighbours, the first pair of different labels: with itself counted every row would be right.
		const rows = Float32Array.of(1, 0, 0.96, 0.28, 0, 1, 0.28, 0.96);
		const labels = Int32Array.of(0, 1, 1, 1);
		assert.deepEqual(knnLeaveOneOut(rows, labels, 2, 1), {
			accuracy: 0.5,
			correct: 2,
			count: 4,
			k: 1,
		});
		// k clipped to the 3 other rows: label 1 wins everywhere, so only row 0 is wrong.
		assert.deepEqual(knnLeaveOneOut(rows, labels, 2, 9), {
			accuracy: 0.75,
			correct: 3,
			count: 4,
			k: 3,
		});
	});

	it('refuses a k below 1, shapes that disagree, and nothing to vote with', () => {
		const one = Float32Array.of(1, 0);
		const label = Int32Array.of(0);
		assert.throws(() => knnAccuracy(one, label, one, label, 2, 0), InvalidParameterError);
		assert.throws(() => knnAccuracy(one, label, one, label, 2, 1.5), InvalidParameterError);
		assert.throws(() => knnAccuracy(one, Int32Array.of(0, 1), one, label, 2, 1), /2 labels/);
		assert.throws(
			() => knnAccuracy(new Float32Array(0), new Int32Array(0), one, label, 2, 1),
			InvalidParameterError,
		);
		assert.throws(() => knnLeaveOneOut(one, label, 2, 1), /at least one reference/);
	});
});

describe('kNN baseline on the ImageNet body', () => {
	const scored = fashion('val', 3);
	const references = fashion('train', 4);
	const cache = tempDir('resnet18-knn-');
	const timmFile = path.join(cache, TIMM.file);
	/** Embeddings of every image, computed here the straightforward way, one image at a time. */
	const expected = new Map<string, Float32Array>();

	beforeAll(async () => {
		await testBackend();
		// No network here: seeded 1,000-class weights stand in for timm's file (which has no SHA-256 to check).
		fs.writeFileSync(timmFile, writeSafetensors(goldenStateDict(1000)));
		// A damaged torchvision download beside it: the baseline must pass over it to timm's file.
		fs.writeFileSync(path.join(cache, TORCHVISION.file), 'not the published weights');
		const model = await loadImagenetClassifier(timmFile, 'imagenet-timm');
		try {
			await prepareInference(model.network, model.metadata, { images: 1 });
			for (const { file } of [...scored, ...references]) {
				const pixels = await decodeForModel(model, file);
				const features = await predictFeatures(model.network, pixels, model.metadata.inputSize);
				expected.set(file, Float32Array.from(unitRow(features, 0, 512)));
			}
		} finally {
			await detachInference(model.network);
			model.network.dispose();
		}
	});

	const rowsOf = (images: readonly LabelledImage[]) => ({
		rows: Float32Array.from(images.flatMap(({ file }) => [...expected.get(file)!])),
		labels: Int32Array.from(images, (image) => image.label),
	});

	async function run(
		refs: readonly LabelledImage[] | undefined,
		options: { k?: number; cacheFolder?: string } = {},
	): Promise<KnnBaseline> {
		const before = tf.memory().numTensors;
		const result = await knnBaseline(scored, refs, CLASSES, {
			cacheFolder: cache,
			batchSize: 4,
			...options,
		});
		assert.equal(tf.memory().numTensors, before, 'every tensor is released');
		return result;
	}

	it("embeds in batches exactly as one image at a time through the source's own preprocessing", async () => {
		const images = [...scored, ...references];
		const before = tf.memory().numTensors;
		const model = await loadImagenetClassifier(timmFile, 'imagenet-timm');
		let embedded: { rows: Float32Array; labels: Int32Array };
		try {
			// timm's evaluation transform: shorter side to floor(224 / 0.95) = 235, bicubic, centre 224.
			assert.deepEqual(
				[model.metadata.inputSize, model.metadata.resizeSize, model.metadata.preprocessing],
				[224, 235, 'pil-bicubic/1'],
			);
			await prepareInference(model.network, model.metadata, { images: images.length });
			embedded = await embedImages(model, images, { batchSize: 4 });
		} finally {
			await detachInference(model.network);
			model.network.dispose();
		}
		assert.equal(tf.memory().numTensors, before);
		const want = rowsOf(images);
		assert.deepEqual(embedded.labels, want.labels);
		for (let i = 0; i < images.length; i++) {
			const row = embedded.rows.subarray(i * 512, (i + 1) * 512);
			assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-5, `${images[i].file}: unit length`);
			let worst = 0;
			for (let j = 0; j < 512; j++)
				worst = Math.max(worst, Math.abs(row[j] - want.rows[i * 512 + j]));
			assert.ok(worst < 1e-4, `${images[i].file}: differs by ${worst}`);
		}
	});

	it('is missing, naming the folder and both files, when the cache is empty', async () => {
		const empty = tempDir('resnet18-knn-empty-');
		const result = await run(references, { cacheFolder: empty });
		assert.equal(result.status, 'missing');
		for (const part of [empty, TORCHVISION.file, TIMM.file, 'train once with pretrained weights'])
			assert.ok(result.note.includes(part), `${part} in: ${result.note}`);
		assert.ok(!result.note.includes('SHA-256'), result.note);
	});

	it('is missing when the only file fails its SHA-256 check, and says so', async () => {
		const folder = tempDir('resnet18-knn-bad-');
		fs.writeFileSync(path.join(folder, TORCHVISION.file), 'a truncated download');
		const result = await run(references, { cacheFolder: folder });
		assert.equal(result.status, 'missing');
		assert.match(result.note, /resnet18-f37072fd\.pth is there but failed its SHA-256 check/);
		assert.ok(result.note.includes(folder), result.note);
	});

	it('scores the images against the training images with the fine body', async () => {
		const result = await run(references);
		assert.equal(result.status, 'computed');
		if (result.status !== 'computed') return;
		const reference = rowsOf(references);
		const query = rowsOf(scored);
		const want = knnAccuracy(reference.rows, reference.labels, query.rows, query.labels, 512, 5);
		assert.deepEqual(
			[result.accuracy, result.correct, result.count, result.k],
			[want.accuracy, want.correct, scored.length, 5],
		);
		assert.ok(result.accuracy >= 0 && result.accuracy <= 1);
		assert.deepEqual(
			[result.references, result.referenceCount, result.body, result.weightsFile],
			['train', references.length, TIMM.title, timmFile],
		);
		assert.ok(result.seconds > 0);
		for (const part of [
			'kNN (k=5, cosine)',
			TIMM.title,
			'12 training images as references',
			'without fine-tuning',
			`${TORCHVISION.file} is there but failed its SHA-256 check`,
		])
			assert.ok(result.note.includes(part), `${part} in: ${result.note}`);
	});

	it('leaves one out among the scored images without training images, k clipped to them', async () => {
		const result = await run(undefined, { k: 50 });
		assert.equal(result.status, 'computed');
		if (result.status !== 'computed') return;
		const { rows, labels } = rowsOf(scored);
		const want = knnLeaveOneOut(rows, labels, 512, 50);
		assert.deepEqual(
			[result.accuracy, result.correct, result.count, result.k],
			[want.accuracy, want.correct, scored.length, scored.length - 1],
		);
		assert.deepEqual(
			[result.references, result.referenceCount],
			['leave-one-out', scored.length - 1],
		);
		assert.match(result.note, /k=8, of 50 asked.*leave-one-out among the 9 scored images/);
	});

	it('names an image that does not decode, and still releases the network', async () => {
		const broken = path.join(tempDir('resnet18-knn-broken-'), 'broken.png');
		fs.writeFileSync(broken, 'not a PNG at all');
		const before = tf.memory().numTensors;
		await assert.rejects(
			knnBaseline([...scored, { file: broken, label: 0 }], references, CLASSES, {
				cacheFolder: cache,
			}),
			(error: unknown) => error instanceof FileError && error.file === broken,
		);
		assert.equal(tf.memory().numTensors, before);
	});

	it('refuses labels outside the classes and stops on its signal', async () => {
		await assert.rejects(
			knnBaseline([{ file: scored[0].file, label: 3 }, ...scored], undefined, CLASSES, {
				cacheFolder: cache,
			}),
			/has label 3, not one of the 3 classes/,
		);
		const controller = new AbortController();
		controller.abort();
		await assert.rejects(
			knnBaseline(scored, references, CLASSES, {
				cacheFolder: cache,
				signal: controller.signal,
			}),
			TrainingAbortedError,
		);
	});
});
