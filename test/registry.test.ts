import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
import { writeFileAtomic } from '../lib/atomic-write';
import { STALE_ANY_WRITER_MS, STALE_DEAD_WRITER_MS } from '../lib/temp-files';

const temps = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

/** A real writer killed with SIGKILL while its temp file is half-written; resolves with that file's name. */
async function killedMidWrite(target: string): Promise<string> {
	const script = `require(${JSON.stringify(path.join(__dirname, '../lib/atomic-write.js'))})
		.writeFileExclusive(${JSON.stringify(target)}, Buffer.alloc(1 << 30, 7))`;
	const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
	const exited = new Promise((resolve) => child.once('exit', resolve));
	const dir = path.dirname(target);
	const deadline = Date.now() + 20_000;
	for (;;) {
		const found = fs.existsSync(dir)
			? temps(dir).filter((f) => f.startsWith(`.${path.basename(target)}.`))
			: [];
		if (found.length > 0 && fs.statSync(path.join(dir, found[0]!)).size > 0) {
			child.kill('SIGKILL');
			await exited;
			return found[0]!;
		}
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error('the writer never started its temp file');
		}
		await new Promise((r) => setTimeout(r, 2));
	}
}

function age(file: string, ms: number): void {
	const then = new Date(Date.now() - ms);
	fs.utimesSync(file, then, then);
}

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

	it('removes what a save killed mid-write left, once its writer is gone, and never a write in progress', async () => {
		const root = tempDir();
		const dir = path.join(root, 'parts');
		const left = await killedMidWrite(path.join(dir, 'v0001.safetensors'));
		assert.ok(fs.statSync(path.join(dir, left)).size < 1 << 30, 'killed before it finished');
		assert.equal(
			(await listVersions(root, 'parts')).length,
			0,
			'no version: the write never completed',
		);
		// Just killed: not yet idle long enough to be sure (a same-named host elsewhere could own that PID).
		await saveVersion(root, 'parts', model);
		assert.deepEqual(temps(dir), [left]);
		// Someone else's write on another host, and one of ours (this process: alive), both fresh: in progress.
		const otherHost = `.v0009.safetensors.0123abcd.4242@another-host.tmp`;
		const alive = `.v0009.safetensors.89abcdef.${process.pid}@${path.basename(left).split('@')[1]}`;
		fs.writeFileSync(path.join(dir, otherHost), 'partial');
		fs.writeFileSync(path.join(dir, alive), 'partial');
		// Another target's temp in the same folder is not the registry's to clean, however old.
		const unrelated = '.notes.txt.0123abcd.4242@another-host.tmp';
		fs.writeFileSync(path.join(dir, unrelated), 'x');
		age(path.join(dir, unrelated), 2 * STALE_ANY_WRITER_MS);
		age(path.join(dir, left), STALE_DEAD_WRITER_MS + 1000);
		const v2 = await saveVersion(root, 'parts', model);
		assert.equal(v2.version, 2);
		assert.deepEqual(
			temps(dir).sort(),
			[alive, otherHost, unrelated].sort(),
			'the dead writer’s file went',
		);
		// Idle for longer than any write takes: abandoned, whoever wrote it.
		age(path.join(dir, otherHost), STALE_ANY_WRITER_MS + 1000);
		await saveVersion(root, 'parts', model);
		assert.deepEqual(temps(dir).sort(), [alive, unrelated].sort());
	});

	it('a file written in place (--out) cleans up after a killed write of the same file only', async () => {
		const dir = tempDir();
		const target = path.join(dir, 'model.safetensors');
		const left = await killedMidWrite(target);
		const other = await killedMidWrite(path.join(dir, 'other.safetensors'));
		for (const f of [left, other]) age(path.join(dir, f), STALE_DEAD_WRITER_MS + 1000);
		await writeFileAtomic(target, Buffer.from('model'));
		assert.equal(fs.readFileSync(target, 'utf8'), 'model');
		assert.deepEqual(temps(dir), [other], 'only the same target’s leftovers go');
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
