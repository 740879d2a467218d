import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WeightsError } from '../lib/errors';
import { readPth } from '../lib/weights/pth';
import { readWeightsFile } from '../lib/weights/read-weights';
import { goldenStateDict } from './support/golden-weights';
import { tempDir } from './support/temp';

const FIXTURES = path.join(__dirname, '../../test/fixtures/pth');
const expected = JSON.parse(
	fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8'),
) as Record<
	string,
	{ name: string; shape: number[]; dtype: 'float32' | 'int64'; values: number[] }[]
>;

function read(name: string) {
	return readPth(fs.readFileSync(path.join(FIXTURES, name)), name);
}

function assertMatches(fixture: string) {
	const state = read(fixture);
	assert.deepEqual(
		[...state.keys()],
		expected[fixture].map((t) => t.name),
		'names, in file order',
	);
	for (const want of expected[fixture]) {
		const got = state.get(want.name)!;
		assert.deepEqual(got.shape, want.shape, want.name);
		assert.equal(got.dtype, want.dtype, want.name);
		const values = got.dtype === 'int64' ? Array.from(got.data, Number) : Array.from(got.data);
		const wantValues =
			want.dtype === 'float32' ? want.values.map((v) => Math.fround(v)) : want.values;
		assert.deepEqual(values, wantValues, want.name);
	}
}

describe('reading PyTorch .pth state dicts without executing them', () => {
	it('reads a state dict exactly: names in order, shapes, float values and an int64 counter', () =>
		assertMatches('small-state-dict.pth'));

	it("reads a real module's state_dict (with torch's _metadata attribute)", () =>
		assertMatches('module-state-dict.pth'));

	it('reads non-contiguous views, storage offsets, shared storages, float16, bfloat16, float64 and int32', () =>
		assertMatches('views.pth'));

	it('unwraps {"state_dict": …} checkpoints and strips DataParallel\'s "module." prefix', () => {
		assertMatches('wrapped.pth');
		assertMatches('data-parallel.pth');
	});

	it('refuses a pickle that calls os.system, naming it, and runs nothing', () => {
		fs.rmSync('/tmp/resnet18-pth-pwned', { force: true });
		assert.throws(
			() => read('malicious.pth'),
			(e: unknown) =>
				e instanceof WeightsError &&
				e.file === 'malicious.pth' &&
				/(posix|os|nt)\.system/.test(e.message),
		);
		assert.equal(fs.existsSync('/tmp/resnet18-pth-pwned'), false);
	});

	it('names the file when it is not a zip, a truncated zip, or a zip without data.pkl', async () => {
		const bytes = fs.readFileSync(path.join(FIXTURES, 'small-state-dict.pth'));
		assert.throws(
			() => readPth(bytes.subarray(0, bytes.length - 100), 'cut.pth'),
			(e: unknown) => e instanceof WeightsError && e.file === 'cut.pth',
		);
		assert.throws(() => readPth(Buffer.from('PK\x03\x04 nonsense'), 'junk.pth'), /junk\.pth/);
		const { zipSync } = await import('fflate');
		assert.throws(
			() => readPth(zipSync({ 'a/readme.txt': new Uint8Array([1]) }), 'other.zip'),
			/not a PyTorch checkpoint/,
		);
	});

	it('rejects unknown pickle opcodes with the byte offset', async () => {
		const { zipSync } = await import('fflate');
		const pickle = Uint8Array.of(0x80, 0x02, 0xff);
		assert.throws(
			() => readPth(zipSync({ 'archive/data.pkl': pickle }), 'odd.pth'),
			/unsupported opcode 0xff \(byte 3\)/,
		);
	});

	it('recognises .pth and .safetensors by content when loading weights', async () => {
		const dir = tempDir();
		const misnamed = path.join(dir, 'weights.safetensors');
		fs.copyFileSync(path.join(FIXTURES, 'small-state-dict.pth'), misnamed);
		assert.equal((await readWeightsFile(misnamed)).size, 8);
		await assert.rejects(
			readWeightsFile(path.join(dir, 'absent.pth')),
			/absent\.pth: cannot read the weights file \(ENOENT\)/,
		);
	});

	const torchAvailable =
		spawnSync('/usr/bin/python3', ['-c', 'import torch, torchvision'], { stdio: 'ignore' })
			.status === 0;
	(torchAvailable ? it : it.skip)(
		"reads torchvision's resnet18 state dict as torch.save writes it (needs Debian PyTorch; skipped without)",
		() => {
			const dir = tempDir();
			const file = path.join(dir, 'resnet18.pth');
			execFileSync('/usr/bin/python3', [
				'-c',
				`import sys, torch; sys.path.insert(0, ${JSON.stringify(path.join(__dirname, '../../test/fixtures'))}); import make_golden; torch.save(make_golden.build_model().state_dict(), ${JSON.stringify(file)})`,
			]);
			const state = readPth(fs.readFileSync(file), file);
			const golden = goldenStateDict(10);
			assert.deepEqual([...state.keys()], [...golden.keys()]);
			for (const [name, tensor] of golden) assert.deepEqual(state.get(name), tensor, name);
		},
	);
});
