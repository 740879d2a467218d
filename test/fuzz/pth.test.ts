import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { zipSync, type Zippable } from 'fflate';
import { WeightsError } from '../../lib/errors';
import { readPth } from '../../lib/weights/pth';
import {
	float32Bytes,
	rawZip,
	stateDictPickle,
	zerosDeflate,
	type PickledTensor,
} from '../support/pth-builder';
import { FuzzTally, outcomeName, RUNS } from './fuzz-support';

/** A valid torch-shaped state dict: a classifier weight and bias and a BN's running variance, one storage each. */
const VALID: Record<string, PickledTensor> = {
	'fc.weight': { storage: '0', numel: 12, shape: [3, 4], strides: [4, 1] },
	'fc.bias': { storage: '1', numel: 3, shape: [3], strides: [1] },
	'bn1.running_var': { storage: '2', numel: 3, shape: [3], strides: [1] },
};
const VALID_STORAGES: Record<string, number[]> = {
	'0': Array.from({ length: 12 }, (_, i) => i / 7 - 0.5),
	'1': [0.1, -0.2, 0.3],
	'2': [1, 0.5, 2],
};

interface Candidate {
	tensors: Record<string, PickledTensor>;
	storages: Record<string, Uint8Array>;
	prefix: string;
	/** Zip entries next to the checkpoint, with size fields that may lie. */
	extras: { name: string; matches: number; declared: number }[];
}

const TENSOR = fc.constantFrom(...Object.keys(VALID));
const STORAGE_KEY = fc.constantFrom('0', '1', '2', '3', '../0', '');
const oddInt = fc.oneof(
	fc.integer({ min: -3, max: 20 }),
	fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 40, 2 ** 53, -(2 ** 31), 1e15),
);
const oddDims = fc.array(oddInt, { maxLength: 5 });
const STORAGE_TYPE = fc.constantFrom(
	'FloatStorage',
	'HalfStorage',
	'BFloat16Storage',
	'DoubleStorage',
	'LongStorage',
	'IntStorage',
	'ByteStorage',
	'BoolStorage',
	'ComplexFloatStorage',
	'Nonsense',
	'system',
);
const ODD_FLOAT = fc.oneof(
	fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 3.4e38),
	fc.float({ noDefaultInfinity: false }),
);

type Mutation = (c: Candidate) => void;

/** Changes a field of a tensor still in the dict (an earlier mutation may have dropped it). */
function edit(c: Candidate, name: string, patch: Partial<PickledTensor>): void {
	const t = c.tensors[name];
	if (t) c.tensors[name] = { ...t, ...patch };
}

/** Structure-aware: the valid checkpoint with layout fields, storage bytes and archive entries changed. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
	fc.tuple(TENSOR, oddInt).map(
		([t, v]): Mutation =>
			(c) =>
				edit(c, t, { numel: v }),
	),
	fc.tuple(TENSOR, oddInt).map(
		([t, v]): Mutation =>
			(c) =>
				edit(c, t, { offset: v }),
	),
	fc.tuple(TENSOR, oddDims).map(
		([t, v]): Mutation =>
			(c) =>
				edit(c, t, { shape: v }),
	),
	fc.tuple(TENSOR, oddDims).map(
		([t, v]): Mutation =>
			(c) =>
				edit(c, t, { strides: v }),
	),
	fc.tuple(TENSOR, STORAGE_TYPE).map(
		([t, v]): Mutation =>
			(c) =>
				edit(c, t, { type: v }),
	),
	fc.tuple(TENSOR, STORAGE_KEY).map(
		([t, v]): Mutation =>
			(c) =>
				edit(c, t, { storage: v }),
	),
	TENSOR.map(
		(t): Mutation =>
			(c) =>
				void delete c.tensors[t],
	),
	fc.tuple(fc.constantFrom('0', '1', '2'), fc.integer({ min: 0, max: 64 })).map(
		([k, n]): Mutation =>
			(c) =>
				void (c.storages[k] = (c.storages[k] ?? new Uint8Array()).subarray(0, n)),
	),
	fc.constantFrom('0', '1', '2').map(
		(k): Mutation =>
			(c) =>
				void delete c.storages[k],
	),
	fc
		.tuple(fc.constantFrom('0', '1', '2'), fc.nat(11), ODD_FLOAT)
		.map(([k, at, v]): Mutation => (c) => {
			const bytes = c.storages[k];
			if (!bytes || bytes.length % 4 !== 0) return;
			const values = new Float32Array(bytes.slice().buffer);
			if (values.length > 0) values[at % values.length] = v;
			c.storages[k] = new Uint8Array(values.buffer);
		}),
	fc.constantFrom('archive/', 'other/', '', 'a/b/', '../').map(
		(p): Mutation =>
			(c) =>
				void (c.prefix = p),
	),
	fc
		.record({
			name: fc.constantFrom('archive/data/3', 'archive/extra', 'archive/data/0', '../evil'),
			matches: fc.integer({ min: 0, max: 4000 }),
			declared: fc.constantFrom(0, 10, 1000, 2 ** 31, 2 ** 32 - 1),
		})
		.map(
			(e): Mutation =>
				(c) =>
					void c.extras.push(e),
		),
);

/** Byte-level damage on top: the pickle's bytes, or the finished archive's. */
const damage = fc.oneof(
	fc.constant({ kind: 'none' as const }),
	fc.record({
		kind: fc.constantFrom('pickle' as const, 'archive' as const),
		at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
		value: fc.integer({ min: 0, max: 255 }),
	}),
	fc.record({ kind: fc.constant('truncatePickle' as const), at: fc.nat() }),
	fc.record({ kind: fc.constant('truncateArchive' as const), at: fc.nat() }),
);
type Damage = typeof damage extends fc.Arbitrary<infer D> ? D : never;

function build(mutations: readonly Mutation[], hurt: Damage): Uint8Array {
	const c: Candidate = {
		tensors: structuredClone(VALID),
		storages: Object.fromEntries(
			Object.entries(VALID_STORAGES).map(([k, v]) => [k, float32Bytes(v)]),
		),
		prefix: 'archive/',
		extras: [],
	};
	for (const m of mutations) m(c);
	let pickle = stateDictPickle(c.tensors);
	if (hurt.kind === 'pickle') {
		pickle = pickle.slice();
		for (const at of hurt.at) pickle[at % pickle.length] = hurt.value;
	} else if (hurt.kind === 'truncatePickle')
		pickle = pickle.subarray(0, hurt.at % (pickle.length + 1));
	let archive: Uint8Array;
	if (c.extras.length === 0) {
		const files: Zippable = { [`${c.prefix}data.pkl`]: [pickle, { level: 0 }] };
		for (const [key, data] of Object.entries(c.storages))
			files[`${c.prefix}data/${key}`] = [data, { level: 0 }];
		archive = zipSync(files);
	} else {
		// Entries whose headers may lie about the inflated size (the zip-bomb family).
		archive = rawZip([
			{ name: `${c.prefix}data.pkl`, method: 0, data: pickle },
			...Object.entries(c.storages).map(([key, data]) => ({
				name: `${c.prefix}data/${key}`,
				method: 0 as const,
				data,
			})),
			...c.extras.map((e) => ({
				name: e.name,
				method: 8 as const,
				data: zerosDeflate(e.matches),
				declaredSize: e.declared,
			})),
		]);
	}
	if (hurt.kind === 'archive') {
		archive = archive.slice();
		for (const at of hurt.at) archive[at % archive.length] = hurt.value;
	} else if (hurt.kind === 'truncateArchive')
		archive = archive.subarray(0, hurt.at % (archive.length + 1));
	return archive;
}

describe('fuzz: the .pth (zip + pickle) reader (structure-aware, fixed seed)', () => {
	it(`ends every one of ${RUNS} mutated checkpoints as a finite state dict or as a WeightsError, in bounded memory`, () => {
		const tally = new FuzzTally('.pth checkpoint');
		fc.assert(
			fc.property(fc.array(mutation, { maxLength: 3 }), damage, (mutations, hurt) => {
				const bytes = build(mutations, hurt);
				tally.run(
					bytes.byteLength,
					() => readPth(bytes, 'fuzz.pth'),
					(outcome) => {
						if (outcome instanceof WeightsError) {
							assert.equal(outcome.file, 'fuzz.pth');
							return outcome.tensor ? 'tensor refused (past the archive)' : 'archive refused';
						}
						if (outcome instanceof Error) return outcomeName(outcome);
						// Accepted: every tensor is whole and finite, as a state dict we would train from must be.
						for (const [name, t] of outcome) {
							assert.equal(
								t.data.length,
								t.shape.reduce((a, b) => a * b, 1),
								name,
							);
							if (t.data instanceof Float32Array || t.data instanceof Float64Array)
								for (const v of t.data) assert.ok(Number.isFinite(v), `${name} holds ${v}`);
						}
						const variance = outcome.get('bn1.running_var');
						if (variance && variance.data instanceof Float32Array)
							for (const v of variance.data) assert.ok(v >= 0, `running_var ${v}`);
						return 'accepted';
					},
				);
			}),
			{ seed: 1202, numRuns: RUNS },
		);
		console.log(tally.report());
		assert.equal(tally.inputs, RUNS);
		assert.ok(tally.count('accepted') > 0, 'some mutations keep a valid checkpoint');
		assert.ok(
			tally.count('tensor refused (past the archive)') > RUNS / 20,
			'a good share gets past the archive',
		);
	});
});
