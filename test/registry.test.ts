import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidParameterError } from '../lib/errors';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { loadModel, type TrainedModel } from '../lib/model-file/model-file';
import { MODEL_FORMAT } from '../lib/model-file/metadata';
import {
	checkModelName,
	listVersions,
	liveVersion,
	publishVersion,
	saveVersion,
} from '../lib/model-file/registry';
import { ResNet18 } from '../lib/model/resnet18';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';

describe('named, versioned models with a live pointer', () => {
	let model: TrainedModel;
	beforeAll(async () => {
		await testBackend();
		model = {
			network: ResNet18.initialize(2, 1),
			metadata: {
				format: MODEL_FORMAT,
				architecture: 'resnet18',
				classes: ['ok', 'defect'],
				inputSize: 64,
				resizeSize: 73,
				normalization: IMAGENET_NORMALIZATION,
				packageVersion: 'test',
				createdAt: 'now',
				name: 'parts',
			},
		};
	});

	it('numbers versions v0001, v0002, … and serves the newest until a LIVE pointer says otherwise', async () => {
		const root = tempDir();
		assert.equal(await liveVersion(root, 'parts'), undefined);
		const v1 = await saveVersion(root, 'parts', model);
		const v2 = await saveVersion(root, 'parts', model);
		assert.deepEqual([v1.version, v2.version], [1, 2]);
		assert.equal(path.basename(v2.file), 'v0002.safetensors');
		assert.equal((await liveVersion(root, 'parts'))?.version, 2, 'no LIVE file: the newest');
		await publishVersion(root, 'parts', 1);
		assert.equal((await liveVersion(root, 'parts'))?.version, 1, 'LIVE names v1');
		const loaded = await loadModel((await liveVersion(root, 'parts'))!.file);
		assert.deepEqual(loaded.metadata.classes, ['ok', 'defect']);
		loaded.network.dispose();
	});

	it('gives concurrent savers distinct versions: nobody overwrites anybody', async () => {
		const root = tempDir();
		const saved = await Promise.all([1, 2, 3, 4].map(() => saveVersion(root, 'parts', model)));
		assert.deepEqual(
			saved.map((s) => s.version).sort((a, b) => a - b),
			[1, 2, 3, 4],
		);
		assert.equal((await listVersions(root, 'parts')).length, 4);
		assert.deepEqual(
			fs.readdirSync(path.join(root, 'parts')).filter((f) => f.endsWith('.tmp')),
			[],
			'no temporary files left',
		);
	});

	it('refuses names that could leave the models folder, and versions that do not exist', async () => {
		for (const bad of ['../etc', 'a/b', '', '.hidden', 'x'.repeat(101)]) {
			assert.throws(
				() => checkModelName(bad),
				(e: unknown) => e instanceof InvalidParameterError && e.parameter === 'modelName',
				bad,
			);
		}
		await assert.rejects(publishVersion(tempDir(), 'parts', 7), /has no version 7/);
	});
});
