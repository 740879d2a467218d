import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidParameterError } from '../lib/errors';
import {
	labelsForModel,
	manifestFromFolder,
	MIN_IMAGES_PER_CLASS,
	parseManifest,
} from '../lib/data/manifest';
import { manifestToTrainingData } from '../lib/data/training-data';
import { storeContent } from '../lib/data/content-store';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { tempDir } from './support/temp';

describe('a dataset manifest from a folder of class subfolders', () => {
	it('lists every readable image once, with a stratified, seeded validation split and per-class counts', async () => {
		const dir = path.join(tempDir(), 'shapes');
		await writeSyntheticDataset(dir, { classes: 3, perClass: 20, size: 32, seed: 3 });
		const manifest = await manifestFromFolder(dir, { validationSplit: 0.25, seed: 9 });
		assert.equal(manifest.kind, 'resnet18-dataset');
		assert.deepEqual(manifest.classes, ['circle', 'square', 'triangle']);
		assert.equal(manifest.validationSource, 'split');
		for (const c of manifest.classes)
			assert.deepEqual(manifest.counts[c], { train: 15, validation: 5 });
		const files = [...manifest.train, ...manifest.validation].map((i) => i.file);
		assert.equal(new Set(files).size, 60, 'no image twice');
		assert.deepEqual(manifest.problems, []);
		const again = await manifestFromFolder(dir, { validationSplit: 0.25, seed: 9 });
		assert.deepEqual(again.validation, manifest.validation, 'the same seed gives the same split');
		const other = await manifestFromFolder(dir, { validationSplit: 0.25, seed: 10 });
		assert.notDeepEqual(other.validation, manifest.validation);
	});

	it('reports byte-identical copies across classes, classes under 10 images and unreadable files, and keeps going', async () => {
		const dir = path.join(tempDir(), 'messy');
		await writeSyntheticDataset(dir, { classes: 2, perClass: 12, size: 32, seed: 4 });
		const circle = path.join(dir, 'circle');
		const copy = fs.readdirSync(circle)[0];
		fs.copyFileSync(path.join(circle, copy), path.join(dir, 'square', `copied-${copy}`));
		fs.mkdirSync(path.join(dir, 'tiny'));
		fs.copyFileSync(
			path.join(circle, fs.readdirSync(circle)[1]),
			path.join(dir, 'tiny', 'one.png'),
		);
		fs.writeFileSync(path.join(dir, 'tiny', 'notes.txt'), 'not an image');
		fs.writeFileSync(
			path.join(dir, 'tiny', 'broken.png'),
			Buffer.from('89504e470d0a1a0a0000', 'hex'),
		);
		const manifest = await manifestFromFolder(dir, { validationSplit: 0.2 });
		const reasons = manifest.problems.map((p) => `${path.basename(p.file)}: ${p.reason}`);
		assert.ok(
			manifest.problems.some(
				(p) =>
					p.reason.startsWith('is duplicated in other classes (circle, square)') &&
					[p.file, p.reason].join(' ').includes(copy) &&
					[p.file, p.reason].join(' ').includes(`copied-${copy}`),
			),
			reasons.join('\n'),
		);
		assert.ok(
			reasons.some(
				(r) =>
					r.startsWith('tiny: class "tiny" has only') &&
					r.includes(`at least ${MIN_IMAGES_PER_CLASS}`),
			),
			reasons.join('\n'),
		);
		assert.ok(
			reasons.some((r) => r.startsWith('notes.txt: skipped')),
			reasons.join('\n'),
		);
		assert.ok(
			reasons.some((r) => r.startsWith('broken.png: ')),
			reasons.join('\n'),
		);
		assert.equal(manifest.counts.circle.train + manifest.counts.circle.validation, 12);
	});

	it('validates on a separate folder when one is given, leaving out classes training does not have', async () => {
		const root = tempDir();
		await writeSyntheticDataset(path.join(root, 'train'), {
			classes: 2,
			perClass: 10,
			size: 32,
			seed: 5,
		});
		await writeSyntheticDataset(path.join(root, 'val'), {
			classes: 3,
			perClass: 4,
			size: 32,
			seed: 6,
		});
		const manifest = await manifestFromFolder(path.join(root, 'train'), {
			validationFolder: path.join(root, 'val'),
		});
		assert.equal(manifest.validationSource, 'folder');
		assert.equal(manifest.train.length, 20);
		assert.equal(manifest.validation.length, 8);
		assert.ok(
			manifest.problems.some((p) =>
				p.reason.includes(
					'class "triangle" of the validation folder is not among the training classes',
				),
			),
		);
	});

	it('refuses a split outside 0–50 % naming the parameter', async () => {
		await assert.rejects(
			manifestFromFolder(tempDir(), { validationSplit: 0.7 }),
			(e: unknown) => e instanceof InvalidParameterError && e.parameter === 'validationSplit',
		);
	});
});

describe('a manifest handed between nodes', () => {
	const manifest = {
		kind: 'resnet18-dataset',
		version: 1,
		classes: ['cat', 'dog'],
		train: [
			{ file: '/a.png', label: 'cat' },
			{ file: '/b.png', label: 'dog' },
		],
		validation: [{ file: '/c.png', label: 'dog' }],
	};

	it('is accepted as an object or as JSON text, and becomes label indices for training', () => {
		assert.deepEqual(parseManifest(JSON.stringify(manifest)).classes, ['cat', 'dog']);
		const data = manifestToTrainingData(parseManifest(manifest));
		assert.deepEqual(
			data.train.map((s) => s.label),
			[0, 1],
		);
		assert.deepEqual(data.validation, [{ file: '/c.png', label: 1 }]);
	});

	it('is refused, naming the parameter and the fault, when it is something else', () => {
		const refuse = (value: unknown, pattern: RegExp) =>
			assert.throws(
				() => parseManifest(value, 'dataset'),
				(e: unknown) =>
					e instanceof InvalidParameterError &&
					e.parameter === 'dataset' &&
					pattern.test(e.message),
			);
		refuse({ hello: 1 }, /"kind" is undefined/);
		refuse('not json', /not JSON/);
		refuse(
			{ ...manifest, train: [{ file: '/x.png', label: 'horse' }] },
			/label is not one of the classes/,
		);
	});

	it("maps onto a model's classes for evaluation, naming a class the model does not know", () => {
		assert.deepEqual(
			labelsForModel(manifest.train, ['dog', 'cat']).map((s) => s.label),
			[1, 0],
		);
		assert.throws(
			() => labelsForModel(manifest.train, ['cat']),
			/class "dog" \(\/b.png\) is not one the model knows \(cat\)/,
		);
	});
});

describe('the content store for images that arrive as bytes', () => {
	it('stores identical bytes once, under their SHA-256', async () => {
		const root = tempDir();
		const a = await storeContent(root, Buffer.from('same image bytes'), 'PNG');
		const b = await storeContent(root, Buffer.from('same image bytes'), '.png');
		assert.equal(a.file, b.file);
		assert.equal(a.stored, true);
		assert.equal(b.stored, false);
		assert.match(path.basename(a.file), /^[0-9a-f]{64}\.png$/);
		assert.equal(fs.readFileSync(a.file, 'utf8'), 'same image bytes');
	});
});
