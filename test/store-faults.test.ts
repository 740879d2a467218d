import { afterAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOCK_LEASE_MS } from '../lib/model-store/folder-lock';
import type { ModelStore } from '../lib/model-store/model-store';
import {
	closeModelStores,
	openModelStore,
	parseStoreLocation,
} from '../lib/model-store/open-store';
import { STALE_DEAD_WRITER_MS } from '../lib/temp-files';
import {
	countRows,
	dropSchema,
	freshSchema,
	POSTGRES_URL,
	postgresLocation,
} from './support/postgres';
import { tempDir } from './support/temp';

/**
 * Faults with real processes: many writers released at once by a barrier, and writers SIGKILLed inside a save or a
 * publish (the fault hook RESNET18_FAULT_PAUSE holds them in that window; the marker file proves the kill landed
 * there). Nothing half-written may remain, the live version must keep serving, and the next write must succeed.
 */
const WRITER = path.join(__dirname, 'support', 'store-writer.js');
const PAIRS = 20;
const schemas: string[] = [];

interface Backend {
	readonly name: string;
	readonly location: () => string;
}
const backends: Backend[] = [
	{ name: 'folder', location: () => tempDir() },
	...(POSTGRES_URL
		? [
				{
					name: 'postgres',
					location: () => {
						const schema = freshSchema();
						schemas.push(schema);
						return postgresLocation(schema);
					},
				},
			]
		: []),
];

afterAll(async () => {
	await closeModelStores();
	for (const schema of schemas) await dropSchema(schema);
});

interface Writer {
	readonly child: ChildProcess;
	readonly ready: Promise<void>;
	readonly done: Promise<{ code: number | null; out: string; err: string }>;
}

function startWriter(
	location: string,
	name: string,
	tag: string,
	barrier: string,
	env: NodeJS.ProcessEnv = {},
): Writer {
	const child = spawn(process.execPath, [WRITER, location, name, tag, barrier], {
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let out = '';
	let err = '';
	let markReady: () => void;
	const ready = new Promise<void>((resolve) => (markReady = resolve));
	child.stdout!.on('data', (d: Buffer) => {
		out += d.toString();
		if (out.includes('ready\n')) markReady();
	});
	child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
	const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
		// 'close', not 'exit': only then has all of the child's output been read.
		child.once('close', (code) => resolve({ code, out, err })),
	);
	return { child, ready: Promise.race([ready, done.then(() => undefined)]), done };
}

async function waitForFile(file: string, ms: number): Promise<string> {
	const deadline = Date.now() + ms;
	// Until its whole line is there: the writer creates the file, then writes it.
	for (;;) {
		const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
		if (text.endsWith('\n')) return text;
		if (Date.now() > deadline) throw new Error(`${file} never appeared`);
		await new Promise((r) => setTimeout(r, 10));
	}
}

/**
 * A store whose model "killed" has v1 live, and a writer process saving and publishing v2 that the fault hook holds
 * inside `stage` (save or publish) until the spec kills it: the marker line says where it waits.
 */
async function pausedWriter(
	location: string,
	stage: 'save' | 'publish',
): Promise<{ store: ModelStore; writer: Writer; line: string }> {
	const store = openModelStore(parseStoreLocation(location));
	await store.saveVersion('killed', Buffer.alloc(1000, 'a'));
	await store.publish('killed', 1, 'forward');
	const marker = path.join(tempDir(), 'marker');
	const writer = startWriter(location, 'killed', 'b', '/', {
		RESNET18_FAULT_PAUSE: `${stage}:30000`,
		RESNET18_FAULT_MARKER: marker,
	});
	return { store, writer, line: await waitForFile(marker, 20_000) };
}

/** What a store holds beyond its versions: temp files and locks in a folder, stray rows in Postgres. */
async function leftovers(location: string, names: string[]): Promise<string[]> {
	const store = parseStoreLocation(location);
	if (store.backend === 'folder') {
		return names.flatMap((name) =>
			fs
				.readdirSync(path.join(store.folder, name))
				.filter((f) => !/^(v\d{4}\.safetensors|LIVE)$/.test(f))
				.map((f) => `${name}/${f}`),
		);
	}
	const orphanFiles = await countRows(
		store.schema,
		'model_files',
		`NOT EXISTS (SELECT 1 FROM "${store.schema}".model_versions v WHERE v.name = model_files.name AND v.version = model_files.version)`,
	);
	const emptyVersions = await countRows(
		store.schema,
		'model_versions',
		`NOT EXISTS (SELECT 1 FROM "${store.schema}".model_files f WHERE f.name = model_versions.name AND f.version = model_versions.version)`,
	);
	return [
		...(orphanFiles ? [`${orphanFiles} model_files rows without a version`] : []),
		...(emptyVersions ? [`${emptyVersions} versions without bytes`] : []),
	];
}

describe.each(backends)(
	'store faults on $name, with real processes',
	({ location: newLocation }) => {
		it(`${PAIRS} pairs of processes publishing at once: unique versions, the newer of each pair live, nothing left over`, async () => {
			const location = newLocation();
			const barrier = path.join(tempDir(), 'go');
			const names = Array.from({ length: PAIRS }, (_, i) => `pair-${String(i).padStart(2, '0')}`);
			const writers = names.flatMap((name) =>
				['a', 'b'].map((tag) => ({ name, tag, writer: startWriter(location, name, tag, barrier) })),
			);
			await Promise.all(writers.map((w) => w.writer.ready));
			fs.writeFileSync(barrier, 'go');
			const results = await Promise.all(writers.map((w) => w.writer.done));
			for (const r of results) assert.equal(r.code, 0, r.err);
			const store: ModelStore = openModelStore(parseStoreLocation(location));
			for (const name of names) {
				const got = results
					.filter((_, i) => writers[i]!.name === name)
					.map(
						(r) => JSON.parse(r.out.trim().split('\n').at(-1)!) as { tag: string; version: number },
					);
				assert.deepEqual(
					got.map((g) => g.version).sort(),
					[1, 2],
					`${name}: two distinct versions`,
				);
				const live = await store.liveVersion(name);
				assert.equal(
					live?.version,
					2,
					`${name}: the newer version serves, whichever published last`,
				);
				const winner = got.find((g) => g.version === 2)!;
				const served = Buffer.from(await store.readVersion(name, 2));
				assert.ok(
					served.every((b) => b === winner.tag.charCodeAt(0)),
					`${name}: v2 holds its writer's bytes`,
				);
			}
			assert.deepEqual(await leftovers(location, names), []);
		});

		it('SIGKILL inside a save: no version appears, the live one serves, the next save succeeds', async () => {
			const location = newLocation();
			const { store, writer, line } = await pausedWriter(location, 'save');
			assert.match(line, /paused in save of killed v2/, 'the kill lands inside the save');
			writer.child.kill('SIGKILL');
			assert.equal((await writer.done).code, null);
			assert.deepEqual(
				(await store.listVersions('killed')).map((v) => v.version),
				[1],
			);
			assert.equal((await store.liveVersion('killed'))?.version, 1);
			assert.equal(Buffer.from(await store.readVersion('killed', 1))[0], 'a'.charCodeAt(0));
			const config = parseStoreLocation(location);
			if (config.backend === 'postgres') {
				assert.equal(
					await countRows(config.schema, 'model_versions', `version = 2`),
					0,
					'rolled back',
				);
			} else {
				const temps = fs
					.readdirSync(path.join(config.folder, 'killed'))
					.filter((f) => f.endsWith('.tmp'));
				assert.equal(temps.length, 1, 'the killed writer’s temp file, complete but never linked');
				assert.match(
					temps[0]!,
					/^\.v0002\.safetensors\.[0-9a-f]{8}\.\d+-[0-9a-z]+@[A-Za-z0-9-]+\.tmp$/,
					'host, pid and start time in its name',
				);
				// Its writer is gone, but it is taken only once its lease has run out.
				await store.saveVersion('killed', Buffer.alloc(1000, 'c'));
				assert.equal(
					fs.readdirSync(path.join(config.folder, 'killed')).filter((f) => f.endsWith('.tmp'))
						.length,
					1,
				);
				const old = new Date(Date.now() - STALE_DEAD_WRITER_MS - 1000);
				fs.utimesSync(path.join(config.folder, 'killed', temps[0]!), old, old);
			}
			const next = await store.saveVersion('killed', Buffer.alloc(1000, 'd'));
			assert.equal((await store.publish('killed', next.version, 'forward')).moved, true);
			assert.deepEqual(await leftovers(location, ['killed']), []);
		});

		it('SIGKILL inside a publish: the old version keeps serving, and the next publish does not wait for a lease', async () => {
			const location = newLocation();
			const { store, writer, line } = await pausedWriter(location, 'publish');
			assert.match(line, /paused in publish of killed v2/);
			writer.child.kill('SIGKILL');
			await writer.done;
			assert.equal((await store.liveVersion('killed'))?.version, 1, 'the pointer did not move');
			const started = Date.now();
			// v2 was saved whole before the kill: publishing it now is the retry a user (or the next run) makes.
			assert.deepEqual(await store.publish('killed', 2, 'forward'), {
				live: 2,
				previous: 1,
				moved: true,
			});
			assert.ok(
				Date.now() - started < LOCK_LEASE_MS / 3,
				'a dead holder’s lock (or transaction) is gone at once',
			);
			assert.deepEqual(await leftovers(location, ['killed']), []);
		});
	},
);
