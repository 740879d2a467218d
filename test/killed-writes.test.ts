import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FolderModelStore } from '../lib/model-store/folder-store';
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

/**
 * Temp files of atomic writes that a SIGKILL left behind: removed once their writer is gone (and they have been idle
 * long enough), never while a write may still be in progress, here or on another host sharing the folder.
 */
describe('what killed writes leave behind', () => {
	it('removes what a save killed mid-write left, once its writer is gone, and never a write in progress', async () => {
		const root = tempDir();
		const store = new FolderModelStore(root);
		const model = Buffer.alloc(1000, 'm');
		const dir = path.join(root, 'parts');
		const left = await killedMidWrite(path.join(dir, 'v0001.safetensors'));
		assert.ok(fs.statSync(path.join(dir, left)).size < 1 << 30, 'killed before it finished');
		assert.equal(
			(await store.listVersions('parts')).length,
			0,
			'no version: the write never completed',
		);
		// Just killed: not yet idle long enough to be sure (a same-named host elsewhere could own that PID).
		await store.saveVersion('parts', model);
		assert.deepEqual(temps(dir), [left]);
		// Someone else's write on another host, and one of ours (this process: alive), both fresh: in progress.
		const otherHost = `.v0009.safetensors.0123abcd.4242@another-host.tmp`;
		const alive = `.v0009.safetensors.89abcdef.${process.pid}-abc@${path.basename(left).split('@')[1]}`;
		fs.writeFileSync(path.join(dir, otherHost), 'partial');
		fs.writeFileSync(path.join(dir, alive), 'partial');
		// Another target's temp in the same folder is not the registry's to clean, however old.
		const unrelated = '.notes.txt.0123abcd.4242@another-host.tmp';
		fs.writeFileSync(path.join(dir, unrelated), 'x');
		age(path.join(dir, unrelated), 2 * STALE_ANY_WRITER_MS);
		age(path.join(dir, left), STALE_DEAD_WRITER_MS + 1000);
		const v2 = await store.saveVersion('parts', model);
		assert.equal(v2.version, 2);
		assert.deepEqual(
			temps(dir).sort(),
			[alive, otherHost, unrelated].sort(),
			'the dead writer’s file went',
		);
		// Idle for longer than any write takes: abandoned, whoever wrote it.
		age(path.join(dir, otherHost), STALE_ANY_WRITER_MS + 1000);
		await store.saveVersion('parts', model);
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
});
