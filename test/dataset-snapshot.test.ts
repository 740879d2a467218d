import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { manifestFromFolder } from '../lib/data/manifest';
import { checkEvaluationSplit, datasetSnapshot } from '../lib/data/snapshot';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { manifestToTrainingData } from '../lib/data/training-data';
import { decodeMetadata, encodeMetadata } from '../lib/model-file/metadata';
import { ModelMetadataError } from '../lib/errors';
import { tempDir } from './support/temp';
import { testMetadata } from './support/untrained-model';

async function snapshotOf(folder: string, seed = 1, augmentation = 'light') {
	const manifest = await manifestFromFolder(folder, { validationSplit: 0.25, seed });
	return {
		manifest,
		...(await datasetSnapshot(manifestToTrainingData(manifest), { augmentation })),
	};
}

function copyTree(from: string, to: string, rename = (name: string) => name): void {
	for (const c of fs.readdirSync(from)) {
		fs.mkdirSync(path.join(to, c), { recursive: true });
		for (const f of fs.readdirSync(path.join(from, c)))
			fs.copyFileSync(path.join(from, c, f), path.join(to, c, rename(f)));
	}
}

/** Issue 15: a training run's dataset snapshot id, as Roboflow's dataset versions, and Evaluate's split check. */
describe('dataset snapshots', () => {
	let root: string;
	let base: Awaited<ReturnType<typeof snapshotOf>>;

	beforeAll(async () => {
		root = tempDir('resnet18-snapshot-');
		await writeSyntheticDataset(path.join(root, 'a'), { classes: 3, perClass: 8, size: 32 });
		base = await snapshotOf(path.join(root, 'a'));
	});

	it('is the same for the same images in another folder under other file names', async () => {
		copyTree(path.join(root, 'a'), path.join(root, 'moved'), (name) => `copy-of-${name}`);
		const moved = await snapshotOf(path.join(root, 'moved'));
		assert.match(base.id, /^ds-[0-9a-f]{24}$/);
		assert.equal(moved.id, base.id);
		assert.equal(moved.validation, base.validation);
	});

	it("changes with one image's bytes, one label, the split seed or the augmentation; the validation id only with what it holds", async () => {
		const trainFile = path.join(
			root,
			'a',
			base.manifest.train[0].label,
			path.basename(base.manifest.train[0].file),
		);
		// One training image's bytes.
		copyTree(path.join(root, 'a'), path.join(root, 'edited'));
		const edited = path.join(
			root,
			'edited',
			base.manifest.train[0].label,
			path.basename(trainFile),
		);
		fs.appendFileSync(edited, Buffer.from([0]));
		const changedBytes = await snapshotOf(path.join(root, 'edited'));
		assert.notEqual(changedBytes.id, base.id);

		// One image moved to another class.
		copyTree(path.join(root, 'a'), path.join(root, 'relabelled'));
		const [first, second] = base.manifest.classes;
		const name = fs.readdirSync(path.join(root, 'relabelled', first))[0];
		fs.renameSync(
			path.join(root, 'relabelled', first, name),
			path.join(root, 'relabelled', second, name),
		);
		assert.notEqual((await snapshotOf(path.join(root, 'relabelled'))).id, base.id);

		const otherSeed = await snapshotOf(path.join(root, 'a'), 2);
		assert.notEqual(otherSeed.id, base.id);

		const otherAugmentation = await snapshotOf(path.join(root, 'a'), 1, 'heavy');
		assert.notEqual(otherAugmentation.id, base.id);
		assert.equal(otherAugmentation.validation, base.validation, 'the same validation images');
	});

	it("tells Evaluate whether its images are the model's validation split", async () => {
		const same = await checkEvaluationSplit(base.manifest.validation, base.validation);
		assert.equal(same.sameAsValidation, true);
		const train = await checkEvaluationSplit(base.manifest.train, base.validation);
		assert.equal(train.sameAsValidation, false);
		assert.match(train.note, /not the images the model was validated on/);
		const unknown = await checkEvaluationSplit(base.manifest.validation, undefined);
		assert.equal(unknown.sameAsValidation, null);
		assert.match(unknown.note, /records no validation split/);
	});

	it('goes into the model metadata and back; a malformed record is refused, naming the field', () => {
		const meta = testMetadata(['a', 'b'], 32, {
			dataset: { snapshot: base.id, validation: base.validation },
		});

		const raw = encodeMetadata(meta);
		assert.deepEqual(decodeMetadata(raw, 2).dataset, meta.dataset);
		assert.throws(
			() => decodeMetadata({ ...raw, dataset: '{"snapshot":"ds-1"}' }, 2, 'm.safetensors'),
			(e: Error) => e instanceof ModelMetadataError && e.field === 'dataset',
		);
	});
});
