import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';
import { writeSyntheticDataset } from '../../lib';
import { closeModelStores, openModelStore } from '../../lib/model-store/open-store';
import { dropSchema, freshSchema, POSTGRES_URL } from '../support/postgres';
import { runWorkflow, start, startN8n, type Folders, type TestNode } from '../support/n8n-run';
import { tempDir } from '../support/temp';
import { untrainedModelBytes } from '../support/untrained-model';

const CLASSIFY = 'n8n-nodes-resnet18.classifyImage';
const TRAIN = 'n8n-nodes-resnet18.trainResNet18';
const CREDENTIAL = 'resNetModelStoreApi';

/**
 * Issue 13 through n8n-core: Classify Image reads a named model from the ResNet Model Store credential's store and
 * asks it for the live version on every execution, so a version published by another worker serves from the next
 * execution on, with no restart; and an upload this worker cannot read is named, with the likely cause.
 */
describe('the model store and binary data, as a worker sees them', () => {
	let folders: Folders;
	let image: string;
	let classes: string[];
	const schema = freshSchema();

	beforeAll(async () => {
		// filesystem mode: the binary-data mode whose bytes stay on the host that received them.
		folders = await startN8n('filesystem');
		const dataset = path.join(folders.files, 'shapes');
		classes = await writeSyntheticDataset(dataset, { classes: 2, perClass: 1, size: 32 });
		image = path.join(
			dataset,
			classes[0],
			(await import('node:fs')).readdirSync(path.join(dataset, classes[0]))[0],
		);
	});
	afterAll(async () => {
		await closeModelStores();
		await dropSchema(schema);
	});

	const modelBytes = (seed: number) => untrainedModelBytes(classes, seed, 'parts');

	function classify(): TestNode {
		return {
			name: 'Classify Image',
			type: CLASSIFY,
			parameters: {
				modelSource: 'named',
				modelName: 'parts',
				useModelStore: true,
				imageSource: 'binary',
				imageBinaryProperty: 'data',
				topK: 1,
				threshold: 0,
				device: 'auto',
				options: {},
			},
			credentials: { [CREDENTIAL]: { id: 'store', name: 'store' } },
		};
	}

	const stores: { name: string; credential: () => ICredentialDataDecryptedObject }[] = [
		{
			name: 'folder',
			credential: () => ({ backend: 'folder', folder: tempDir('resnet18-store-') }),
		},
		...(POSTGRES_URL
			? [
					{
						name: 'postgres',
						credential: () => {
							const url = new URL(POSTGRES_URL!);
							return {
								backend: 'postgres',
								host: url.hostname,
								port: Number(url.port),
								database: url.pathname.slice(1),
								user: decodeURIComponent(url.username),
								password: decodeURIComponent(url.password),
								schema,
								ssl: false,
							};
						},
					},
				]
			: []),
	];

	it.each(stores)(
		'Classify Image by name from the $name store answers with the live version, and with a newly published one from the next execution on',
		async ({ credential }) => {
			const data = credential();
			const store = openModelStore(
				data.backend === 'folder'
					? { backend: 'folder', folder: String(data.folder) }
					: {
							backend: 'postgres',
							host: String(data.host),
							port: Number(data.port),
							database: String(data.database),
							user: String(data.user),
							password: String(data.password),
							schema: String(data.schema),
							ssl: false,
						},
			);
			const run = async () => {
				const result = await runWorkflow({
					nodes: [
						start([{ files: { data: { file: image, mimeType: 'image/jpeg' } } }]),
						classify(),
					],
					credentials: { [CREDENTIAL]: data },
				});
				assert.equal(result.error, undefined, result.error?.message);
				return result.output('Classify Image')[0].json;
			};
			const first = await store.saveVersion('parts', modelBytes(1));
			await store.publish('parts', first.version, 'forward');
			const v1 = await run();
			assert.equal(v1.modelVersion, first.version);
			assert.deepEqual(
				{ ...(v1.model as IDataObject), source: undefined, cached: undefined },
				{
					source: undefined,
					name: 'parts',
					version: first.version,
					store: store.description,
					cached: undefined,
				},
			);
			assert.equal((await run()).modelVersion, first.version, 'still v1 while v1 is live');

			// Another worker publishes v2: this process was told nothing, and serves it from the next execution.
			const second = await store.saveVersion('parts', modelBytes(2));
			await store.publish('parts', second.version, 'forward');
			const v2 = await run();
			assert.equal(v2.modelVersion, second.version);
			assert.equal(
				(v2.model as IDataObject).cached,
				false,
				'v2 is loaded, not v1 served from the cache',
			);
			assert.equal(((await run()).model as IDataObject).cached, true, 'then kept');

			// Rollback: the live pointer set back, and the next execution serves v1 again.
			await store.publish('parts', first.version, 'set');
			assert.equal((await run()).modelVersion, first.version);
		},
	);

	it('an upload whose bytes this worker cannot read: the error names the property, the item and the binary-data mode', async () => {
		const folder = tempDir('resnet18-store-');
		const store = openModelStore({ backend: 'folder', folder });
		await store.publish(
			'parts',
			(await store.saveVersion('parts', modelBytes(1))).version,
			'forward',
		);
		const result = await runWorkflow({
			nodes: [
				start([
					{ files: { data: { file: image, mimeType: 'image/jpeg' } }, storedElsewhere: true },
				]),
				classify(),
			],
			credentials: { [CREDENTIAL]: { backend: 'folder', folder } },
		});
		assert.ok(result.error, 'the run fails');
		assert.match(
			result.error.message,
			/Binary property "data" of item 0 \(.*\.jpg\) cannot be read on this worker \(stored as filesystem-v2\): File not found/,
		);
		assert.match(String(result.error.description), /N8N_DEFAULT_BINARY_DATA_MODE=database/);
	});

	it('Train\'s Set Live Version (v2) rolls a named model back in its store; a version that is not saved fails that item only, naming "liveVersion" and what is saved', async () => {
		const folder = tempDir('resnet18-store-');
		const store = openModelStore({ backend: 'folder', folder });
		for (const seed of [1, 2])
			await store.publish(
				'parts',
				(await store.saveVersion('parts', modelBytes(seed))).version,
				'forward',
			);
		const result = await runWorkflow({
			nodes: [
				start([{ json: { version: 1 } }, { json: { version: 7 } }]),
				{
					name: 'Set Live',
					type: TRAIN,
					typeVersion: 2,
					onError: 'continueRegularOutput',
					parameters: {
						operation: 'setLive',
						modelName: 'parts',
						liveVersion: '={{ $json.version }}',
						useModelStore: true,
					},
					credentials: { [CREDENTIAL]: { id: 'store', name: 'store' } },
				},
			],
			credentials: { [CREDENTIAL]: { backend: 'folder', folder } },
		});
		assert.equal(result.error, undefined, result.error?.message);
		const [rolledBack, refused] = result.output('Set Live').map((i) => i.json);
		assert.deepEqual(rolledBack, {
			operation: 'setLive',
			model: { name: 'parts', liveVersion: 1, previousLiveVersion: 2, store: store.description },
		});
		assert.equal(refused.parameter, 'liveVersion', JSON.stringify(refused));
		assert.match(String(refused.error), /no version 7 .*saved: v1, v2/);
		assert.equal((await store.liveVersion('parts'))?.version, 1, 'the store says v1 serves');
	});
});
