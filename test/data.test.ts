import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { imageBatches } from '../lib/data/batches';
import { scanImageFolder } from '../lib/data/dataset';
import { loadImageTensorData } from '../lib/data/image';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { createRng } from '../lib/data/random';
import { stratifiedSplit } from '../lib/data/split';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { FileError } from '../lib/errors';
import { tempDir } from './support/temp';

const dir = tempDir();

function normalised(rgb: [number, number, number]): number[] {
	return rgb.map(
		(v, c) => (v / 255 - IMAGENET_NORMALIZATION.mean[c]) / IMAGENET_NORMALIZATION.std[c],
	);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
	assert.equal(a.length, b.length);
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
}

/** A 60×40 image: red left half, blue right half, a green block top-left (so orientation is visible). */
async function asymmetric(): Promise<Buffer> {
	const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="40"><rect width="30" height="40" fill="#ff0000"/><rect x="30" width="30" height="40" fill="#0000ff"/><rect width="10" height="10" fill="#00ff00"/></svg>`;
	return sharp(Buffer.from(svg)).png().toBuffer();
}

describe('decoding an image into network input', () => {
	it('normalises a solid colour exactly with ImageNet mean and std, HWC', async () => {
		const file = path.join(dir, 'solid.png');
		await sharp({
			create: { width: 50, height: 30, channels: 3, background: { r: 200, g: 100, b: 50 } },
		})
			.png()
			.toFile(file);
		const data = await loadImageTensorData(file, { mode: 'eval', cropSize: 16 });
		assert.equal(data.length, 16 * 16 * 3);
		const expected = normalised([200, 100, 50]);
		for (let i = 0; i < data.length; i++) assert.ok(Math.abs(data[i] - expected[i % 3]) < 1e-5);
	});

	it('resizes the shorter side and centre-crops (torchvision eval transform)', async () => {
		// 60×40 → shorter side 16 → 24×16 → centre crop 16: columns 4–19; red until x=12, then blue.
		const data = await loadImageTensorData(await asymmetric(), {
			mode: 'eval',
			cropSize: 16,
			resizeSize: 16,
			name: 'asym',
		});
		const at = (x: number, y: number) =>
			Array.from(data.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3));
		assert.ok(at(1, 15)[0] > 2 && at(1, 15)[2] < -1, 'left side red');
		assert.ok(at(14, 15)[2] > 2 && at(14, 15)[0] < -1, 'right side blue');
	});

	it('applies EXIF orientation 6: the same tensor as the image rotated beforehand', async () => {
		const upright = await asymmetric();
		const rotated = await sharp(upright).rotate(90).png().toBuffer();
		// Orientation 6 = "rotate 90° clockwise to display": the upright pixels, tagged, display as `rotated`.
		const tagged = await sharp(upright)
			.jpeg({ quality: 100 })
			.withMetadata({ orientation: 6 })
			.toBuffer();
		const a = await loadImageTensorData(rotated, { mode: 'eval', cropSize: 32, name: 'rotated' });
		const b = await loadImageTensorData(tagged, { mode: 'eval', cropSize: 32, name: 'tagged' });
		const meanAbs = a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
		assert.ok(meanAbs < 0.1, `mean |Δ| ${meanAbs}`);
		const unrotated = await loadImageTensorData(
			await sharp(upright).jpeg({ quality: 100 }).toBuffer(),
			{ mode: 'eval', cropSize: 32 },
		);
		assert.ok(maxAbsDiff(a, unrotated) > 1, 'without the tag the pixels differ');
	});

	it('turns RGBA, grey, 16-bit and CMYK images into 3-channel sRGB (alpha flattened onto white)', async () => {
		const transparent = await sharp({
			create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
		})
			.png()
			.toBuffer();
		const white = normalised([255, 255, 255]);
		const rgba = await loadImageTensorData(transparent, {
			mode: 'eval',
			cropSize: 8,
			name: 'rgba',
		});
		for (let i = 0; i < rgba.length; i++) assert.ok(Math.abs(rgba[i] - white[i % 3]) < 1e-5);

		const grey = await sharp({
			create: { width: 8, height: 8, channels: 3, background: { r: 128, g: 128, b: 128 } },
		})
			.greyscale()
			.png()
			.toBuffer();
		const g = await loadImageTensorData(grey, { mode: 'eval', cropSize: 8, name: 'grey' });
		const expectedGrey = normalised([128, 128, 128]);
		for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i] - expectedGrey[i % 3]) < 0.02);

		const deep = await sharp({
			create: { width: 8, height: 8, channels: 3, background: { r: 255, g: 0, b: 0 } },
		})
			.toColourspace('rgb16')
			.png()
			.toBuffer();
		assert.equal((await sharp(deep).metadata()).depth, 'ushort');
		const d = await loadImageTensorData(deep, { mode: 'eval', cropSize: 8, name: '16-bit' });
		assert.ok(Math.abs(d[0] - normalised([255, 0, 0])[0]) < 0.02);

		const cmyk = await sharp({
			create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 0, b: 255 } },
		})
			.toColourspace('cmyk')
			.jpeg()
			.toBuffer();
		assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
		const c = await loadImageTensorData(cmyk, { mode: 'eval', cropSize: 8, name: 'cmyk' });
		assert.equal(c.length, 8 * 8 * 3);
		assert.ok(c[2] > c[0] + 1, 'still blue');
	});

	it('refuses bad files with an error naming the file and the reason', async () => {
		const empty = path.join(dir, 'empty.jpg');
		fs.writeFileSync(empty, '');
		const text = path.join(dir, 'notes.jpg');
		fs.writeFileSync(text, 'these are not pixels');
		const truncated = path.join(dir, 'truncated.jpg');
		const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
			.jpeg()
			.toBuffer();
		fs.writeFileSync(truncated, jpeg.subarray(0, jpeg.length / 2));
		const cases: [string, RegExp][] = [
			[empty, /empty/],
			[text, /not an image format/],
			[truncated, /truncated or corrupt/],
			[path.join(dir, 'missing.png'), /ENOENT/],
		];
		for (const [file, reason] of cases) {
			await assert.rejects(
				loadImageTensorData(file, { mode: 'eval', cropSize: 8 }),
				(e: unknown) => e instanceof FileError && e.file === file && reason.test(e.message),
				file,
			);
		}
		await assert.rejects(
			loadImageTensorData(jpeg, {
				mode: 'eval',
				cropSize: 8,
				limitInputPixels: 1000,
				name: 'big.jpg',
			}),
			/big\.jpg.*pixel limit of 0 megapixels/,
		);
	});

	it('augments reproducibly: the same seed gives the same pixels, another seed other pixels', async () => {
		const image = await asymmetric();
		const run = (seed: number) =>
			loadImageTensorData(image, { mode: 'train', cropSize: 24, rng: createRng(seed) });
		assert.deepEqual(await run(1), await run(1));
		const variants = await Promise.all([2, 3, 4, 5].map(run));
		assert.ok(variants.some((v) => maxAbsDiff(v, variants[0]) > 0.5));
	});
});

describe('scanning a folder of class subfolders', () => {
	it('finds classes, labels and counts; skips litter; reports unreadable files without stopping', async () => {
		const root = path.join(dir, 'scan');
		const classes = await writeSyntheticDataset(root, {
			classes: 3,
			perClass: 4,
			size: 32,
			seed: 1,
		});
		fs.writeFileSync(path.join(root, 'circle', '.DS_Store'), 'x');
		fs.writeFileSync(path.join(root, 'circle', '.hidden.png'), 'x');
		fs.mkdirSync(path.join(root, '.git'));
		fs.writeFileSync(path.join(root, 'square', 'broken.PNG'), 'not a png');
		fs.writeFileSync(path.join(root, 'square', 'empty.jpg'), '');
		fs.writeFileSync(path.join(root, 'triangle', 'notes.txt'), 'hello');
		const folder = await scanImageFolder(root);
		assert.deepEqual(folder.classes, [...classes].sort());
		assert.deepEqual(folder.counts, { circle: 4, square: 4, triangle: 4 });
		assert.equal(folder.samples.length, 12);
		assert.ok(
			folder.samples.every((s) => path.basename(path.dirname(s.file)) === folder.classes[s.label]),
		);
		const reasons = Object.fromEntries(
			folder.problems.map((p) => [path.basename(p.file), p.reason]),
		);
		assert.deepEqual(Object.keys(reasons).sort(), ['broken.PNG', 'empty.jpg', 'notes.txt']);
		assert.match(reasons['broken.PNG'], /not an image format/);
		assert.match(reasons['empty.jpg'], /empty/);
		assert.match(reasons['notes.txt'], /not one of the image extensions/);
	});

	it('uses an explicit train/ + val/ layout as given', async () => {
		const root = path.join(dir, 'layout');
		await writeSyntheticDataset(path.join(root, 'train'), {
			classes: 2,
			perClass: 5,
			size: 32,
			seed: 2,
		});
		await writeSyntheticDataset(path.join(root, 'val'), {
			classes: 2,
			perClass: 2,
			size: 32,
			seed: 3,
		});
		const folder = await scanImageFolder(root);
		assert.deepEqual(folder.classes, ['circle', 'square']);
		assert.equal(folder.samples.length, 10);
		assert.equal(folder.explicitValidation?.length, 4);
	});

	it('names a missing folder, a file, and a folder without class subfolders', async () => {
		await assert.rejects(
			scanImageFolder(path.join(dir, 'nope')),
			(e: unknown) => e instanceof FileError && /nope: folder does not exist/.test(e.message),
		);
		const file = path.join(dir, 'file.txt');
		fs.writeFileSync(file, 'x');
		await assert.rejects(scanImageFolder(file), /is not a folder/);
		const flat = path.join(dir, 'flat');
		fs.mkdirSync(flat);
		await assert.rejects(scanImageFolder(flat), /no class subfolders/);
	});
});

describe('splitting and streaming', () => {
	const samples = Array.from({ length: 50 }, (_, i) => ({ file: `f${i}`, label: i < 40 ? 0 : 1 }));

	it('splits stratified, seeded, disjoint and complete', () => {
		const a = stratifiedSplit(samples, 0.2, 9);
		assert.deepEqual(stratifiedSplit(samples, 0.2, 9), a);
		assert.equal(a.validation.filter((s) => s.label === 0).length, 8);
		assert.equal(a.validation.filter((s) => s.label === 1).length, 2);
		assert.deepEqual(
			[...a.train, ...a.validation].map((s) => s.file).sort(),
			samples.map((s) => s.file).sort(),
		);
		assert.notDeepEqual(stratifiedSplit(samples, 0.2, 10).validation, a.validation);
	});

	it('streams every image once per epoch, in batches, reproducibly', async () => {
		const root = path.join(dir, 'stream');
		await writeSyntheticDataset(root, { classes: 2, perClass: 5, size: 40, seed: 4 });
		const folder = await scanImageFolder(root);
		const collect = async (seed: number) => {
			const batches = [];
			for await (const batch of imageBatches(folder.samples, {
				batchSize: 4,
				shuffle: true,
				seed,
				mode: 'train',
				cropSize: 16,
				prefetch: 1,
			}))
				batches.push(batch);
			return batches;
		};
		const first = await collect(3);
		assert.deepEqual(
			first.map((b) => b.labels.length),
			[4, 4, 2],
		);
		assert.equal(first[0].images.length, 4 * 16 * 16 * 3);
		assert.deepEqual(
			first.flatMap((b) => b.files).sort(),
			folder.samples.map((s) => s.file).sort(),
		);
		assert.deepEqual(await collect(3), first);
		assert.notDeepEqual(
			(await collect(4)).flatMap((b) => b.files),
			first.flatMap((b) => b.files),
		);
	});
});
