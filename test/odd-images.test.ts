import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectImage, TINY_IMAGE_SIDE } from '../lib/data/dataset';
import { loadImageTensorData } from '../lib/data/image';
import { manifestFromFolder, type DatasetManifest } from '../lib/data/manifest';
import { createRng } from '../lib/data/random';
import { tempDir } from './support/temp';

const FIXTURES = path.resolve(__dirname, '../../test/fixtures/odd-images');

/**
 * What must become of every real odd file: `ok` (a 3-channel tensor; `tiny` ones also reported) or the problem kind
 * and the words of the reason a user reads.
 */
const EXPECTED: Record<string, 'ok' | 'tiny' | { kind: string; reason: RegExp }> = {
	'animated_56f.gif': 'ok',
	'animated.webp': 'ok',
	'cmyk.jpeg': 'ok',
	'cmyk_photo.jpg': 'ok',
	'exif_orient3.jpg': 'ok',
	'exif_orient6.jpg': 'ok',
	'exif_orient8.jpg': 'ok',
	'exif_orient6_photo.jpg': 'ok',
	'extreme_aspect_4000x16.png': 'tiny',
	'float32.tiff': 'ok',
	'gray16.tif': 'ok',
	'gray16_alpha.png': 'ok',
	'grayscale_photo.jpg': 'ok',
	'multipage.tif': 'tiny',
	'one_pixel.png': 'tiny',
	'palette.png': 'tiny',
	'palette_interlaced.png': 'ok',
	'photo.avif': 'ok',
	'photo.webp': 'ok',
	'progressive.jpg': 'ok',
	'rgb16_alpha.png': 'ok',
	'rgb16_photo.png': 'ok',
	'rgba_silhouette.png': 'ok',
	// gdk-pixbuf's "premature-end.png": its image data is complete (only its incremental loader chokes); it decodes.
	'truncated.png': 'ok',
	'bomb_64250x64250.jpg': {
		kind: 'too-many-pixels',
		reason: /64250×64250 pixels .* over the limit of 100 megapixels; not decoded/,
	},
	'corrupt_header.jpg': { kind: 'unreadable', reason: /truncated or corrupt/ },
	'fuzzed_cve.jpg': { kind: 'unreadable', reason: /truncated or corrupt/ },
	'invalid.png': { kind: 'unreadable', reason: /truncated or corrupt/ },
	'truncated_cmyk.jpg': { kind: 'unreadable', reason: /truncated or corrupt .*premature end/ },
	'truncated_half.jpg': { kind: 'unreadable', reason: /truncated or corrupt .*premature end/ },
	'truncated_tiny.jpg': { kind: 'unreadable', reason: /truncated or corrupt/ },
	'empty.jpg': { kind: 'unreadable', reason: /is empty \(0 bytes\)/ },
	'empty_file.tga': {
		kind: 'unsupported-extension',
		reason: /"\.tga" is not one of the image extensions/,
	},
	'not_an_image.jpg': { kind: 'unreadable', reason: /is not an image format we can read/ },
	'photo.heic': { kind: 'unreadable', reason: /HEIC\/HEIF photo .*export it as JPEG/ },
};

describe('a folder of real odd and broken image files', () => {
	const root = path.join(tempDir(), 'odd');
	let manifest: DatasetManifest;
	const files = fs
		.readdirSync(FIXTURES)
		.filter((f) => f !== 'README.md')
		.sort();

	beforeAll(async () => {
		// Two classes, the files dealt alternately, plus what real folders also hold.
		files.forEach((f, i) => {
			const dir = path.join(root, i % 2 === 0 ? 'first' : 'second');
			fs.mkdirSync(dir, { recursive: true });
			fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
		});
		fs.writeFileSync(path.join(root, 'first', '.DS_Store'), 'mac litter');
		fs.writeFileSync(path.join(root, 'second', 'Thumbs.db'), 'windows litter');
		fs.copyFileSync(path.join(FIXTURES, 'photo.webp'), path.join(root, 'second', 'UPPER.WEBP'));
		fs.symlinkSync('/etc/hostname', path.join(root, 'first', 'escape.jpg'));
		const progressive = ['first', 'second']
			.map((c) => path.join(root, c, 'progressive.jpg'))
			.find((f) => fs.existsSync(f))!;
		const other = path.basename(path.dirname(progressive)) === 'first' ? 'second' : 'first';
		// A link and a byte copy of one image in the other class: the link is not followed (its image keeps its own
		// label), the copy is a labelling error to report.
		fs.symlinkSync(progressive, path.join(root, other, 'inside-link.jpg'));
		fs.copyFileSync(progressive, path.join(root, other, 'copied.jpg'));
		manifest = await manifestFromFolder(root, { validationSplit: 0.2, seed: 1 });
	});

	it('accounts for every file: used as an image, or named in the problems with its reason', () => {
		assert.equal(files.length, Object.keys(EXPECTED).length, 'every fixture has an expectation');
		const used = new Set(
			[...manifest.train, ...manifest.validation].map((i) => path.basename(i.file)),
		);
		for (const file of files) {
			const want = EXPECTED[file];
			const problems = manifest.problems.filter(
				(p) =>
					path.basename(p.file) === file &&
					p.kind !== 'duplicate' &&
					p.kind !== 'duplicate-across-classes',
			);
			if (want === 'ok' || want === 'tiny') {
				assert.ok(used.has(file), `${file} is used`);
				assert.deepEqual(
					problems.map((p) => p.kind),
					want === 'tiny' ? ['tiny-image'] : [],
					`${file}: ${problems.map((p) => p.reason).join('; ')}`,
				);
			} else {
				assert.ok(!used.has(file), `${file} is left out`);
				assert.equal(problems.length, 1, `${file} has one problem`);
				assert.equal(problems[0].kind, want.kind, `${file}: ${problems[0].reason}`);
				assert.equal(problems[0].kept, false);
				assert.match(problems[0].reason, want.reason, file);
			}
		}
	});

	it('ignores litter, reads upper-case extensions, follows links only inside the folder and their class', () => {
		const all = [...manifest.train, ...manifest.validation].map((i) => path.basename(i.file));
		const reported = manifest.problems.map((p) => path.basename(p.file));
		assert.ok(!reported.includes('.DS_Store') && !reported.includes('Thumbs.db'));
		assert.ok(all.includes('UPPER.WEBP'));
		assert.ok(!all.includes('inside-link.jpg'));
		assert.equal(all.filter((f) => f === 'progressive.jpg').length, 1);
		const across = manifest.problems.find((p) => path.basename(p.file) === 'inside-link.jpg');
		assert.equal(across?.kind, 'link-into-other-class');
		assert.match(across!.reason, /not followed, so those images keep their own label/);
		const escape = manifest.problems.find((p) => path.basename(p.file) === 'escape.jpg');
		assert.equal(escape?.kind, 'link-outside-folder');
		assert.match(escape!.reason, /outside the dataset folder; not followed/);
	});

	it('reports the copies it made (same bytes in another class, and in one class) and keeps each group on one side of the split', () => {
		const groups = manifest.problems.filter(
			(p) => p.kind === 'duplicate' || p.kind === 'duplicate-across-classes',
		);
		assert.ok(
			groups.some(
				(g) =>
					g.kind === 'duplicate-across-classes' &&
					/progressive\.jpg/.test(g.file + g.reason) &&
					/copied\.jpg/.test(g.file + g.reason),
			),
			JSON.stringify(groups),
		);
		const side = (name: string) =>
			manifest.train.some((i) => path.basename(i.file) === name) ? 'train' : 'validation';
		assert.equal(side('progressive.jpg'), side('copied.jpg'));
		assert.equal(side('photo.webp'), side('UPPER.WEBP'));
		assert.equal(manifest.report.duplicateGroups, groups.length);
	});

	it('turns every usable file into a finite 3-channel tensor, for evaluation and heavy training augmentation', async () => {
		for (const file of files.filter((f) => EXPECTED[f] === 'ok' || EXPECTED[f] === 'tiny')) {
			const source = path.join(FIXTURES, file);
			const evalPixels = await loadImageTensorData(source, { mode: 'eval', cropSize: 48 });
			const trainPixels = await loadImageTensorData(source, {
				mode: 'train',
				cropSize: 48,
				augmentation: 'heavy',
				rng: createRng(3),
			});
			for (const pixels of [evalPixels, trainPixels]) {
				assert.equal(pixels.length, 48 * 48 * 3, file);
				assert.ok(pixels.every(Number.isFinite), `${file} has finite values`);
			}
		}
	});

	it('reads orientation from EXIF: the rotated phone photo is portrait', async () => {
		const check = await inspectImage(path.join(FIXTURES, 'exif_orient6_photo.jpg'));
		assert.ok(check.ok);
		assert.deepEqual([check.width, check.height], [428, 640]);
		assert.ok(TINY_IMAGE_SIDE === 32);
	});

	it('refuses a decompression bomb from its header: no decoding, memory stays flat', async () => {
		const before = process.memoryUsage().rss;
		const check = await inspectImage(path.join(FIXTURES, 'bomb_64250x64250.jpg'));
		assert.equal(check.ok, false);
		assert.ok(process.memoryUsage().rss - before < 200e6, 'a 4-gigapixel image was not decoded');
		const custom = await inspectImage(path.join(FIXTURES, 'exif_orient6_photo.jpg'), 100_000);
		assert.ok(!custom.ok && custom.kind === 'too-many-pixels', 'the pixel limit is configurable');
	});
});
