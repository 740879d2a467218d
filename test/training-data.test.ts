import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { manifestFromFolder } from '../lib/data/manifest';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { manifestToTrainingData, trainingDataFromFolder } from '../lib/data/training-data';
import { tempDir } from './support/temp';

describe('training data from a folder (CLI, quickstart, benches and tests alike)', () => {
	it("is Load Image Dataset's manifest as class indices, and copies of one image stay on one side", async () => {
		const dir = path.join(tempDir(), 'shapes');
		await writeSyntheticDataset(dir, { classes: 2, perClass: 20, size: 32, seed: 4 });
		// Five copies of one circle: split file by file with this seed, 3 would train and 2 validate.
		const circle = path.join(dir, 'circle');
		const original = path.join(circle, fs.readdirSync(circle).sort()[0]);
		const copies = [1, 2, 3, 4].map((i) => path.join(circle, `copy-${i}.png`));
		for (const copy of copies) fs.copyFileSync(original, copy);

		const { data, manifest } = await trainingDataFromFolder(dir, {
			validationSplit: 0.25,
			seed: 2,
		});
		assert.deepEqual(data, manifestToTrainingData(manifest));
		assert.deepEqual(
			data,
			manifestToTrainingData(await manifestFromFolder(dir, { validationSplit: 0.25, seed: 2 })),
			'the same split as manifestFromFolder with the same options',
		);
		assert.deepEqual(data.classes, ['circle', 'square']);
		assert.equal(data.train.length + data.validation.length, 44);
		for (const image of [...data.train, ...data.validation])
			assert.equal(data.classes[image.label], path.basename(path.dirname(image.file)));
		const group = new Set([original, ...copies].map((f) => fs.realpathSync(f)));
		const sides = (images: typeof data.train) =>
			images.filter((image) => group.has(fs.realpathSync(image.file))).length;
		assert.ok(
			[0, 5].includes(sides(data.train)) && sides(data.train) + sides(data.validation) === 5,
			`the 5 copies split ${sides(data.train)} train / ${sides(data.validation)} validation`,
		);
		assert.equal(manifest.validationSource, 'split');
		assert.equal(manifest.report.duplicateGroups, 1);
	});
});
