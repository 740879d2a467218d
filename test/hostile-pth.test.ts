import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { WeightsError } from '../lib/errors';
import { MAX_PICKLE_VALUES } from '../lib/weights/pickle';
import { readPth } from '../lib/weights/pth';
import { MAX_TENSOR_ELEMENTS } from '../lib/weights/tensor-layout';
import {
	float32Bytes,
	rawZip,
	stateDictPickle,
	zerosDeflate,
	type PickledTensor,
} from './support/pth-builder';
import { tempDir } from './support/temp';

const FIXTURES = path.join(__dirname, '../../test/fixtures/pth');
/** 1 + 258 × this = 2 000 000 005 zero bytes, from a 12.6 MB stream. */
const TWO_GB_MATCHES = 7_751_938;
const TWO_GB = 1 + 258 * TWO_GB_MATCHES;

/** A torch-shaped archive (stored entries, as torch.save writes them) of the given pickle and storages. */
function pth(
	tensors: Record<string, PickledTensor>,
	storages: Record<string, Uint8Array>,
	extra: Zippable = {},
): Uint8Array {
	const files: Zippable = { 'archive/data.pkl': [stateDictPickle(tensors), { level: 0 }] };
	for (const [key, data] of Object.entries(storages))
		files[`archive/data/${key}`] = [data, { level: 0 }];
	return zipSync({ ...files, ...extra });
}

function assertRefused(
	bytes: Uint8Array,
	file: string,
	tensor: string | undefined,
	message: RegExp,
): void {
	assert.throws(
		() => readPth(bytes, file),
		(e: unknown) => {
			assert.ok(e instanceof WeightsError, `a WeightsError, not ${String(e)}`);
			assert.equal(e.file, file);
			assert.equal(e.tensor, tensor);
			assert.match(e.message, message);
			return true;
		},
	);
}

const vector = (values: number[]): PickledTensor => ({
	storage: '0',
	numel: values.length,
	shape: [values.length],
	strides: [1],
});

let twoGbOfZeros: Uint8Array | undefined;

/** A 2 GB-of-zeros deflated entry: honest about its size unless `declaredSize` lies. */
function bombEntry(name: string, declaredSize = TWO_GB) {
	twoGbOfZeros ??= zerosDeflate(TWO_GB_MATCHES);
	return { name, method: 8 as const, data: twoGbOfZeros, declaredSize };
}

describe('hostile .pth files are refused before they cost memory', () => {
	it('refuses the stride-0 probe (a 4-byte storage viewed as 20000×20000) by its element count', () => {
		const bytes = pth(
			{ 'conv1.weight': { storage: '0', numel: 1, shape: [20000, 20000], strides: [0, 0] } },
			{ 0: float32Bytes([1]) },
		);
		assert.ok(bytes.length < 1024, `${bytes.length} bytes`);
		assertRefused(
			bytes,
			'stride0.pth',
			'conv1.weight',
			new RegExp(`shape \\[20000, 20000\\], over the ${MAX_TENSOR_ELEMENTS}-element limit`),
		);
	});

	it('refuses stride-0 and other overlapping views that fit the element limit', () => {
		assertRefused(
			pth(
				{ 'fc.weight': { storage: '0', numel: 4096, shape: [4096, 4096], strides: [0, 1] } },
				{ 0: new Uint8Array(4096 * 4) },
			),
			'broadcast.pth',
			'fc.weight',
			/tensor "fc\.weight" has overlapping strides \(0, 1\) for shape \[4096, 4096\] .*\.contiguous\(\)/,
		);
		assertRefused(
			pth(
				{ w: { storage: '0', numel: 5, shape: [3, 3], strides: [1, 1] } },
				{ 0: float32Bytes([1, 2, 3, 4, 5]) },
			),
			'overlap.pth',
			'w',
			/overlapping strides \(1, 1\)/,
		);
	});

	it('refuses views that read past their storage, and malformed shapes, strides and offsets', () => {
		const storage = { 0: new Uint8Array(16 * 4) };
		const layout = (t: Partial<PickledTensor>): Record<string, PickledTensor> => ({
			'bn1.bias': { storage: '0', numel: 16, shape: [4, 4], strides: [4, 1], ...t },
		});
		assertRefused(
			pth(layout({ offset: 8 }), storage),
			'past.pth',
			'bn1.bias',
			/reads elements 8\.\.23 of storage 0, which holds 16/,
		);
		assertRefused(
			pth(layout({ strides: [5, 1] }), storage),
			'stride.pth',
			'bn1.bias',
			/reads elements 0\.\.18 of storage 0, which holds 16/,
		);
		assertRefused(
			pth(layout({ shape: [-1, 4] }), storage),
			'negative.pth',
			'bn1.bias',
			/invalid shape \[-1, 4\]/,
		);
		assertRefused(
			pth(layout({ strides: [-4, 1] }), storage),
			'negative-stride.pth',
			'bn1.bias',
			/invalid strides \(-4, 1\)/,
		);
		assertRefused(
			pth(layout({ strides: [4] }), storage),
			'rank.pth',
			'bn1.bias',
			/invalid strides \(4\) for shape \[4, 4\]/,
		);
		assertRefused(
			pth(layout({ offset: -1 }), storage),
			'offset.pth',
			'bn1.bias',
			/invalid storage offset -1/,
		);
	});

	it('refuses storage types it does not know, naming the file', () => {
		assertRefused(
			pth({ w: { ...vector([1]), type: 'ComplexFloatStorage' } }, { 0: float32Bytes([1, 0]) }),
			'complex.pth',
			undefined,
			/references torch\.ComplexFloatStorage, which is not a tensor or container type/,
		);
		assertRefused(
			pth({ w: { ...vector([1]), type: 'constructor' } }, { 0: float32Bytes([1]) }),
			'proto.pth',
			undefined,
			/references torch\.constructor, which is not a tensor or container type/,
		);
	});

	it('refuses a storage entry larger or smaller than the pickle says, naming the entry', () => {
		assertRefused(
			pth({ 'fc.bias': vector([1, 2, 3, 4]) }, { 0: new Uint8Array(2 ** 20) }),
			'big-entry.pth',
			'fc.bias',
			/archive entry archive\/data\/0 declares 1048576 bytes, more than the 16 that storage 0 \(4 × float32\) takes/,
		);
		assertRefused(
			pth({ 'fc.bias': vector([1, 2, 3, 4]) }, { 0: float32Bytes([1, 2]) }),
			'short-entry.pth',
			'fc.bias',
			/archive entry archive\/data\/0 holds 8 bytes, but the pickle gives storage 0 4 × float32 = 16 bytes/,
		);
	});

	it('refuses a storage that is a 2 GB zip bomb, whether it declares its size or lies about it', () => {
		const pickle = stateDictPickle({ 'fc.bias': vector([1, 2, 3, 4]) });
		const archive = (storage: ReturnType<typeof bombEntry>) =>
			rawZip([{ name: 'archive/data.pkl', method: 0, data: pickle }, storage]);
		assertRefused(
			archive(bombEntry('archive/data/0')),
			'honest-bomb.pth',
			'fc.bias',
			/archive entry archive\/data\/0 declares 2000000005 bytes, more than the 16 that storage 0/,
		);
		assertRefused(
			archive(bombEntry('archive/data/0', 16)),
			'lying-bomb.pth',
			'fc.bias',
			/archive entry archive\/data\/0 inflates to more than its declared 16 bytes \(a zip bomb\?\)/,
		);
	});

	it('refuses a deflated storage that would inflate far beyond the file, before inflating it', () => {
		const numel = 2 ** 24;
		const bytes = rawZip([
			{
				name: 'archive/data.pkl',
				method: 0,
				data: stateDictPickle({
					'fc.weight': { storage: '0', numel, shape: [numel], strides: [1] },
				}),
			},
			{ name: 'archive/data/0', method: 8, data: zerosDeflate(100), declaredSize: numel * 4 },
		]);
		assertRefused(
			bytes,
			'deflated.pth',
			'fc.weight',
			/archive entry archive\/data\/0 would inflate the archive past \d+ bytes .*re-save the file with torch\.save/,
		);
	});

	it('refuses a pickle entry that declares more than a state-dict pickle takes', () => {
		assertRefused(
			rawZip([bombEntry('archive/data.pkl')]),
			'pickle-bomb.pth',
			undefined,
			/archive entry archive\/data\.pkl declares 2000000005 bytes, more than the 16777216 that a state-dict pickle takes/,
		);
	});

	it('refuses a pickle that builds more values than any state dict needs', () => {
		const pickle = new Uint8Array(MAX_PICKLE_VALUES + 10).fill(0x5d); // EMPTY_LIST
		pickle.set([0x80, 0x02]);
		assertRefused(
			zipSync({ 'archive/data.pkl': pickle }),
			'lists.pth',
			undefined,
			new RegExp(`unreadable pickle: more than ${MAX_PICKLE_VALUES} values`),
		);
	});

	it('refuses many tensors aliasing one storage once they would outgrow the file in memory', () => {
		const numel = 2 ** 20;
		const tensors: Record<string, PickledTensor> = {};
		for (let i = 0; i < 20; i++)
			tensors[`alias.${i}`] = { storage: '0', numel, shape: [numel], strides: [1] };
		assertRefused(
			pth(tensors, { 0: new Uint8Array(numel * 4) }),
			'aliases.pth',
			'alias.17',
			/tensor "alias\.17" brings the state dict to \d+ bytes in memory, more than the file's \d+ \+ 67108864/,
		);
	});

	it('refuses NaN or infinite weights and negative batch-norm variances, naming the tensor', () => {
		const state = (bias: number[], variance: number[]) =>
			pth(
				{
					'bn1.bias': { storage: '0', numel: 2, shape: [2], strides: [1] },
					'bn1.running_var': { storage: '1', numel: 2, shape: [2], strides: [1] },
				},
				{ 0: float32Bytes(bias), 1: float32Bytes(variance) },
			);
		assertRefused(
			state([0, Number.NaN], [1, 1]),
			'nan.pth',
			'bn1.bias',
			/tensor "bn1\.bias" holds NaN at element 1; the weights are corrupt or from a diverged run/,
		);
		assertRefused(
			state([Number.NEGATIVE_INFINITY, 0], [1, 1]),
			'inf.pth',
			'bn1.bias',
			/tensor "bn1\.bias" holds -Infinity at element 0/,
		);
		assertRefused(
			state([0, 0], [1, -0.5]),
			'variance.pth',
			'bn1.running_var',
			/tensor "bn1\.running_var" holds a negative batch-norm variance \(-0\.5\) at element 1/,
		);
		assert.equal(readPth(state([0, 0], [1, 0]), 'zero-variance.pth').size, 2);
	});

	it('still reads valid files: torch-written fixtures, views, and deflated archives', () => {
		for (const fixture of ['small-state-dict.pth', 'views.pth', 'module-state-dict.pth'])
			assert.ok(readPth(fs.readFileSync(path.join(FIXTURES, fixture)), fixture).size > 0, fixture);
		const tensors = {
			transposed: { storage: '0', numel: 6, shape: [3, 2], strides: [1, 3] },
			scalar: { storage: '1', numel: 1, shape: [], strides: [] },
			empty: { storage: '1', numel: 1, shape: [0, 5], strides: [5, 1] },
		};
		const storages = { 0: float32Bytes([1, 2, 3, 4, 5, 6]), 1: float32Bytes([7]) };
		const deflated: Zippable = { 'archive/data.pkl': stateDictPickle(tensors) };
		for (const [key, data] of Object.entries(storages)) deflated[`archive/data/${key}`] = data;
		for (const bytes of [pth(tensors, storages), zipSync(deflated, { level: 9 })]) {
			const state = readPth(bytes, 'views.pth');
			assert.deepEqual(Array.from(state.get('transposed')!.data, Number), [1, 4, 2, 5, 3, 6]);
			assert.deepEqual(state.get('scalar'), {
				dtype: 'float32',
				shape: [],
				data: Float32Array.of(7),
			});
			assert.deepEqual(state.get('empty')!.shape, [0, 5]);
		}
	});

	it('ignores a 2 GB zip bomb next to a valid checkpoint: entries the state dict does not use stay packed', () => {
		const bytes = rawZip([
			{ name: 'archive/data.pkl', method: 0, data: stateDictPickle({ 'fc.bias': vector([1, 2]) }) },
			{ name: 'archive/data/0', method: 0, data: float32Bytes([1, 2]) },
			bombEntry('archive/data/junk'),
		]);
		assert.deepEqual(
			Array.from(readPth(bytes, 'next-to-bomb.pth').get('fc.bias')!.data, Number),
			[1, 2],
		);
	});

	it('keeps peak memory within 2 × the file size + 100 MB while reading or refusing crafted files', () => {
		const dir = tempDir();
		const files = {
			'stride0.pth': pth(
				{ 'conv1.weight': { storage: '0', numel: 1, shape: [20000, 20000], strides: [0, 0] } },
				{ 0: float32Bytes([1]) },
			),
			'lying-bomb.pth': rawZip([
				{ name: 'archive/data.pkl', method: 0, data: stateDictPickle({ b: vector([1, 2, 3, 4]) }) },
				bombEntry('archive/data/0', 16),
			]),
			'next-to-bomb.pth': rawZip([
				{ name: 'archive/data.pkl', method: 0, data: stateDictPickle({ b: vector([1, 2]) }) },
				{ name: 'archive/data/0', method: 0, data: float32Bytes([1, 2]) },
				bombEntry('archive/data/junk'),
			]),
		};
		// Measured in a fresh process, so that the peak (maxRSS) belongs to this read alone.
		const probe = `
			const fs = require('node:fs');
			const { readPth } = require(process.argv[1]);
			const bytes = fs.readFileSync(process.argv[2]);
			const base = process.memoryUsage().rss;
			let outcome;
			try { outcome = 'read ' + readPth(bytes, process.argv[2]).size + ' tensors'; }
			catch (e) { outcome = e.constructor.name; }
			const peak = process.resourceUsage().maxRSS * 1024;
			console.log(JSON.stringify({ size: bytes.length, base, peak, after: process.memoryUsage().rss, outcome }));`;
		const outcomes: Record<string, string> = {};
		for (const [name, bytes] of Object.entries(files)) {
			const file = path.join(dir, name);
			fs.writeFileSync(file, bytes);
			const run = spawnSync(
				process.execPath,
				['-e', probe, path.join(__dirname, '../lib/weights/pth.js'), file],
				{ encoding: 'utf8', timeout: 60_000 },
			);
			assert.equal(run.status, 0, run.stderr);
			const m = JSON.parse(run.stdout) as {
				size: number;
				base: number;
				peak: number;
				after: number;
				outcome: string;
			};
			const grown = m.peak - m.base;
			const allowed = 2 * m.size + 100 * 2 ** 20;
			console.log(
				`${name}: ${m.size} bytes, ${m.outcome}; peak RSS ${(grown / 2 ** 20).toFixed(1)} MiB above baseline (rss after ${((m.after - m.base) / 2 ** 20).toFixed(1)} MiB; allowed ${(allowed / 2 ** 20).toFixed(1)} MiB)`,
			);
			assert.ok(grown <= allowed, `${name}: peak ${grown} > ${allowed}`);
			outcomes[name] = m.outcome;
		}
		assert.deepEqual(outcomes, {
			'stride0.pth': 'WeightsError',
			'lying-bomb.pth': 'WeightsError',
			'next-to-bomb.pth': 'read 1 tensors',
		});
	});
});
