import { afterAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidParameterError, ModelStoreError } from '../lib/errors';
import { checkModelName } from '../lib/model-store/model-name';
import type { ModelStore } from '../lib/model-store/model-store';
import { closeModelStores, openModelStore } from '../lib/model-store/open-store';
import { saveAndPublish } from '../lib/model-store/publish-gate';
import { LOCK_LEASE_MS, withFolderLock } from '../lib/model-store/folder-lock';
import { dropSchema, freshSchema, POSTGRES_URL, postgresConfig } from './support/postgres';
import { tempDir } from './support/temp';

/** Bytes standing for a model file: the store keeps them as given, whatever they hold. */
const bytes = (tag: string, size = 4096) => Buffer.alloc(size, tag);

interface Backend {
	readonly name: string;
	readonly open: () => ModelStore;
}
const schemas: string[] = [];
const backends: Backend[] = [
	{ name: 'folder', open: () => openModelStore({ backend: 'folder', folder: tempDir() }) },
	...(POSTGRES_URL
		? [
				{
					name: 'postgres',
					open: () => {
						const schema = freshSchema();
						schemas.push(schema);
						return openModelStore(postgresConfig(schema));
					},
				},
			]
		: []),
];

afterAll(async () => {
	await closeModelStores();
	for (const schema of schemas) await dropSchema(schema);
});

describe.each(backends)(
	'a model store on $name: versions, the live pointer, rollback',
	({ open }) => {
		it('numbers versions v1, v2, …; none serves until one is published, then the published one', async () => {
			const store = open();
			assert.equal(await store.liveVersion('parts'), undefined);
			const v1 = await store.saveVersion('parts', bytes('a'));
			const v2 = await store.saveVersion('parts', bytes('b'));
			assert.deepEqual([v1.version, v2.version], [1, 2]);
			assert.equal(await store.liveVersion('parts'), undefined, 'saved is not live');
			assert.deepEqual(await store.publish('parts', 1, 'forward'), {
				live: 1,
				previous: null,
				moved: true,
			});
			assert.equal((await store.liveVersion('parts'))?.version, 1);
			assert.deepEqual(Buffer.from(await store.readVersion('parts', 1)), bytes('a'));
			assert.deepEqual(
				(await store.listVersions('parts')).map((v) => [v.version, v.bytes]),
				[
					[1, 4096],
					[2, 4096],
				],
			);
		});

		it('moves forward only on a retrain publish, and anywhere on a rollback', async () => {
			const store = open();
			for (const tag of ['a', 'b', 'c']) await store.saveVersion('parts', bytes(tag));
			await store.publish('parts', 3, 'forward');
			assert.deepEqual(await store.publish('parts', 2, 'forward'), {
				live: 3,
				previous: 3,
				moved: false,
			});
			assert.deepEqual(await store.publish('parts', 1, 'set'), {
				live: 1,
				previous: 3,
				moved: true,
			});
			assert.equal((await store.liveVersion('parts'))?.version, 1, 'rolled back to v1');
			// A retrain after a rollback: its newer version goes live.
			const v4 = await store.saveVersion('parts', bytes('d'));
			assert.equal((await store.publish('parts', v4.version, 'forward')).live, 4);
		});

		it('applies Min Validation Accuracy to Publish: a worse retrain is kept but the live version stays', async () => {
			const store = open();
			const first = await saveAndPublish(store, 'gated', bytes('a'), 0.5, 0.8);
			assert.equal(first.published, false);
			assert.match(
				first.reason,
				/kept back: validation accuracy 0\.500 < 0\.8; no version is live/,
			);
			assert.equal(
				await store.liveVersion('gated'),
				undefined,
				'a kept-back first version does not serve',
			);
			const good = await saveAndPublish(store, 'gated', bytes('b'), 0.9, 0.8);
			assert.equal(good.published, true);
			const worse = await saveAndPublish(store, 'gated', bytes('c'), 0.7, 0.8);
			assert.deepEqual([worse.published, worse.live], [false, 2]);
			assert.match(worse.reason, /v2 stays live/);
			assert.equal((await store.listVersions('gated')).length, 3, 'every version is kept');
		});

		it('keeps every precision of a version', async () => {
			const store = open();
			const v = await store.saveVersion('small', bytes('f', 8000));
			await store.addPrecision('small', v.version, 'float16', bytes('h', 4000));
			await store.addPrecision('small', v.version, 'int8', bytes('i', 2000));
			const [listed] = await store.listVersions('small');
			assert.deepEqual([...listed!.precisions].sort(), ['float16', 'float32', 'int8']);
			assert.equal(listed!.bytes, 8000, 'the size is the float32 file’s');
			assert.deepEqual(Buffer.from(await store.readVersion('small', 1, 'int8')), bytes('i', 2000));
			await assert.rejects(store.addPrecision('small', 9, 'int8', bytes('x')), /has no version 9/);
		});

		it('gives concurrent savers distinct versions, and the newest of concurrent publishes serves', async () => {
			const store = open();
			const outcomes = await Promise.all(
				['a', 'b', 'c', 'd', 'e', 'f'].map((tag) =>
					saveAndPublish(store, 'race', bytes(tag), 0.9, 0),
				),
			);
			const versions = outcomes.map((o) => o.saved.version).sort((a, b) => a - b);
			assert.deepEqual(versions, [1, 2, 3, 4, 5, 6]);
			assert.equal((await store.liveVersion('race'))?.version, 6);
		});

		it('refuses names that could leave the store, and versions that do not exist', async () => {
			const store = open();
			for (const bad of ['../etc', 'a/b', '', '.hidden', 'x'.repeat(101)]) {
				await assert.rejects(
					store.saveVersion(bad, bytes('a')),
					(e: unknown) => e instanceof InvalidParameterError && e.parameter === 'modelName',
					bad,
				);
			}
			assert.throws(() => checkModelName('a/b', 'modelName'), InvalidParameterError);
			await assert.rejects(
				store.publish('parts', 7, 'set'),
				(e: unknown) => e instanceof ModelStoreError && /has no version 7/.test(e.message),
			);
			await assert.rejects(store.readVersion('parts', 7), /has no float32 file/);
		});
	},
);

describe('the folder store’s lock on the live pointer', () => {
	it('takes over a lock whose holder is gone or whose lease ran out, and waits for a live one', async () => {
		const dir = tempDir();
		const lock = path.join(dir, '.live.lock');
		// A holder on this host whose process is gone (pid 2^22 + 1 is above Linux's pid_max default).
		fs.writeFileSync(
			lock,
			JSON.stringify({
				writer: 'x',
				pid: 4194305,
				host: os.hostname(),
				until: Date.now() + 60_000,
			}),
		);
		assert.equal(await withFolderLock(lock, 'test', async () => 'taken'), 'taken');
		assert.equal(fs.existsSync(lock), false, 'released');
		// Another host's lock: only its lease tells; an expired one is taken.
		fs.writeFileSync(
			lock,
			JSON.stringify({ writer: 'y', pid: 1, host: 'elsewhere', until: Date.now() - 1 }),
		);
		assert.equal(await withFolderLock(lock, 'test', async () => 'taken'), 'taken');
		// A live holder (another host, lease running): the waiter gets it once the holder lets go.
		fs.writeFileSync(
			lock,
			JSON.stringify({ writer: 'z', pid: 1, host: 'elsewhere', until: Date.now() + LOCK_LEASE_MS }),
		);
		const started = Date.now();
		setTimeout(() => fs.rmSync(lock), 300);
		await withFolderLock(lock, 'test', async () => undefined);
		assert.ok(Date.now() - started >= 290, 'it waited for the holder');
	});
});
