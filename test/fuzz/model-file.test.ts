import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { ModelMetadataError, WeightsError } from '../../lib/errors';
import { IMAGENET_NORMALIZATION } from '../../lib/data/normalization';
import { decodeMetadata, encodeMetadata, MODEL_FORMAT } from '../../lib/model-file/metadata';
import type { StateDict } from '../../lib/weights/host-tensor';
import { readSafetensors, writeSafetensors } from '../../lib/weights/safetensors';
import { FuzzTally, outcomeName, RUNS } from './fuzz-support';
import { CURRENT_PREPROCESSING, isPreprocessingVersion } from '../../lib/data/preprocessing';
import { isPrecision } from '../../lib/model-file/precision';
import { float16ToFloat32, float32ToFloat16 } from '../../lib/weights/float-formats';

const CLASSES = ['cat', 'dog', 'café'];

const VALID_METADATA = encodeMetadata({
	format: MODEL_FORMAT,
	architecture: 'resnet18',
	classes: CLASSES,
	inputSize: 224,
	resizeSize: 256,
	preprocessing: CURRENT_PREPROCESSING,
	normalization: IMAGENET_NORMALIZATION,
	packageVersion: '0.1.0',
	createdAt: '2026-12-02T00:00:00Z',
	name: 'pets',
	precision: 'float16',
	training: {
		trainImages: 90,
		validationImages: 10,
		pretrained: true,
		backend: 'wasm',
		fineTune: 'full',
		seconds: 12,
	},
	metrics: { epochs: 1, trainLoss: 0.5, trainAccuracy: 0.8 },
	dataset: { snapshot: 'ds-0123456789abcdef01234567', validation: null },
});

const VALID_TENSORS: StateDict = new Map([
	[
		'fc.weight',
		{ dtype: 'float32', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 7) },
	],
	['fc.bias', { dtype: 'float32', shape: [3], data: Float32Array.of(0.1, -0.2, 0.3) }],
	['bn1.num_batches_tracked', { dtype: 'int64', shape: [], data: BigInt64Array.of(5n) }],
]);

const VALID_FILE = writeSafetensors(VALID_TENSORS, VALID_METADATA);
const HEADER_LENGTH = Number(VALID_FILE.readBigUInt64LE(0));
const VALID_HEADER = JSON.parse(
	VALID_FILE.subarray(8, 8 + HEADER_LENGTH).toString('utf8'),
) as Record<string, Record<string, unknown>>;
const DATA = VALID_FILE.subarray(8 + HEADER_LENGTH);

/** Values a writer (or an attacker) could put where the format wants a number, string or list. */
const oddValue = fc.oneof(
	fc.integer({ min: -10, max: 100 }),
	fc.constantFrom(2 ** 31, 2 ** 53, -(2 ** 53), 1e300, -0, 0.5, Number.MAX_SAFE_INTEGER),
	fc.string({ maxLength: 6 }),
	fc.constantFrom(null, true, [], {}, [1, 2], 'F32', 'I64', 'F16', 'BF16', 'U8', 'BOOL'),
	fc.array(fc.integer({ min: -3, max: 200 }), { maxLength: 4 }),
);

type Mutation = (header: Record<string, Record<string, unknown>>) => void;

/** Sets a metadata entry when the header still has a metadata object (an earlier mutation may have replaced it). */
function setMeta(h: Record<string, Record<string, unknown>>, key: string, value: string): void {
	const meta: unknown = h.__metadata__;
	if (meta && typeof meta === 'object' && !Array.isArray(meta))
		(meta as Record<string, unknown>)[key] = value;
}
const tensorName = fc.constantFrom('fc.weight', 'fc.bias', 'bn1.num_batches_tracked');
const field = fc.constantFrom('dtype', 'shape', 'data_offsets');

/** Structure-aware: the valid header with fields changed, tensors dropped or added, metadata values replaced. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
	fc.tuple(tensorName, field, oddValue).map(
		([t, f, v]): Mutation =>
			(h) =>
				void (h[t] && typeof h[t] === 'object' && (h[t][f] = v)),
	),
	tensorName.map(
		(t): Mutation =>
			(h) =>
				void delete h[t],
	),
	fc.tuple(fc.string({ maxLength: 8 }), oddValue, oddValue, oddValue).map(
		([name, dtype, shape, offsets]): Mutation =>
			(h) =>
				void (h[name] = { dtype, shape, data_offsets: offsets }),
	),
	fc.tuple(fc.constantFrom(...Object.keys(VALID_METADATA)), fc.oneof(fc.string(), oddValue)).map(
		([key, v]): Mutation =>
			(h) =>
				setMeta(h, key, typeof v === 'string' ? v : JSON.stringify(v)),
	),
	fc.tuple(fc.constantFrom(...Object.keys(VALID_METADATA)), fc.jsonValue({ maxDepth: 2 })).map(
		([key, v]): Mutation =>
			(h) =>
				setMeta(h, key, JSON.stringify(v) ?? 'null'),
	),
	oddValue.map(
		(v): Mutation =>
			(h) =>
				void ((h as Record<string, unknown>).__metadata__ = v),
	),
);

/** How the file around the header is changed: its length field, its end, a few bytes anywhere. */
const framing = fc.oneof(
	fc.constant({ kind: 'none' as const }),
	fc.record({ kind: fc.constant('length' as const), delta: fc.integer({ min: -20, max: 20 }) }),
	fc.record({ kind: fc.constant('bigLength' as const), value: fc.bigInt(0n, 2n ** 64n - 1n) }),
	fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
	fc.record({
		kind: fc.constant('flip' as const),
		at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
		value: fc.integer({ min: 0, max: 255 }),
	}),
);

type Frame = typeof framing extends fc.Arbitrary<infer F> ? F : never;

function build(mutations: Mutation[], frame: Frame): Uint8Array {
	const header = structuredClone(VALID_HEADER);
	for (const m of mutations) m(header);
	const json = Buffer.from(JSON.stringify(header), 'utf8');
	let file = Buffer.concat([Buffer.alloc(8), json, DATA]);
	file.writeBigUInt64LE(BigInt(json.length), 0);
	switch (frame.kind) {
		case 'length':
			file.writeBigUInt64LE(BigInt(Math.max(0, json.length + frame.delta)), 0);
			break;
		case 'bigLength':
			file.writeBigUInt64LE(frame.value, 0);
			break;
		case 'truncate':
			file = file.subarray(0, frame.at % (file.length + 1));
			break;
		case 'flip':
			for (const at of frame.at) file[at % file.length] = frame.value;
			break;
	}
	return file;
}

describe('fuzz: the safetensors model-file reader and its metadata (structure-aware, fixed seed)', () => {
	it(`ends every one of ${RUNS} mutated model files as a model or as our typed error, in bounded memory`, () => {
		const tally = new FuzzTally('safetensors model file');
		fc.assert(
			fc.property(fc.array(mutation, { maxLength: 3 }), framing, (mutations, frame) => {
				const bytes = build(mutations, frame);
				tally.run(
					bytes.byteLength,
					() => {
						const file = readSafetensors(bytes, 'fuzz.safetensors');
						const meta = decodeMetadata(file.metadata, 3, 'fuzz.safetensors');
						return { file, meta };
					},
					(outcome) => {
						if (outcome instanceof ModelMetadataError) return 'metadata refused (past the header)';
						if (outcome instanceof WeightsError)
							return outcome.tensor ? 'tensor refused (past the header)' : 'header refused';
						if (outcome instanceof Error) return outcomeName(outcome);
						// Accepted: then it is a model we could run.
						assert.equal(outcome.meta.classes.length, 3);
						assert.ok(outcome.meta.inputSize >= 32);
						for (const [, t] of outcome.file.tensors)
							assert.equal(
								t.data.length,
								t.shape.reduce((a, b) => a * b, 1),
							);
						return 'accepted';
					},
				);
			}),
			{ seed: 1201, numRuns: RUNS },
		);
		console.log(tally.report());
		assert.equal(tally.inputs, RUNS);
		assert.ok(tally.count('accepted') > 0, 'some mutations keep a valid file');
		assert.ok(
			tally.count('tensor refused (past the header)') +
				tally.count('metadata refused (past the header)') >
				RUNS / 20,
			'a good share gets past the header',
		);
	});
});

describe('fuzz: the model metadata reader on its own (every field, every class count)', () => {
	const values = fc.oneof(
		fc.string({ maxLength: 10 }),
		oddValue.map((v) => JSON.stringify(v)),
		fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'),
		fc.constantFrom(
			'[]',
			'["a","a"]',
			'["a",""]',
			'["café","cafe\u0301","x"]',
			'{"mean":[0,0,0],"std":[0,1,1]}',
			'sharp/0',
			'pil-bicubic/1',
			'torchvision/2',
			'Torchvision/1',
			'float32',
			'int8',
			'Float16',
			'fp16',
			'{"snapshot":"ds-0123456789abcdef01234567","validation":"vs-0123456789abcdef01234567"}',
			'{"snapshot":"ds-0123456789ABCDEF01234567","validation":null}',
			'{"snapshot":"ds-1","validation":null}',
		),
	);
	const edits = fc.array(
		fc.tuple(
			fc.constantFrom(...Object.keys(VALID_METADATA), 'extra'),
			fc.option(values, { nil: undefined }),
		),
		{ maxLength: 3 },
	);
	it(`ends each of ${RUNS} metadata records as metadata a model can run with, or as a ModelMetadataError`, () => {
		const tally = new FuzzTally('model metadata');
		fc.assert(
			fc.property(edits, fc.integer({ min: 1, max: 5 }), (changes, numClasses) => {
				const raw: Record<string, string> = { ...VALID_METADATA };
				for (const [key, value] of changes)
					if (value === undefined) delete raw[key];
					else raw[key] = value;
				tally.run(
					JSON.stringify(raw).length,
					() => decodeMetadata(raw, numClasses, 'fuzz.safetensors'),
					(outcome) => {
						if (outcome instanceof ModelMetadataError) return 'refused';
						if (outcome instanceof Error) return outcomeName(outcome);
						assert.equal(outcome.classes.length, numClasses);
						assert.equal(new Set(outcome.classes.map((c) => c.normalize('NFC'))).size, numClasses);
						assert.ok(outcome.classes.every((c) => c.length > 0));
						assert.ok(
							Number.isInteger(outcome.inputSize) &&
								outcome.inputSize >= 32 &&
								outcome.inputSize <= 512,
						);
						assert.ok(
							outcome.resizeSize >= outcome.inputSize &&
								outcome.resizeSize <= 2 * outcome.inputSize,
						);
						const { mean, std } = outcome.normalization;
						assert.equal(mean.length, 3);
						assert.equal(std.length, 3);
						assert.ok([...mean, ...std].every(Number.isFinite) && std.every((s) => s > 0));
						assert.ok(isPreprocessingVersion(outcome.preprocessing), outcome.preprocessing);
						assert.ok(
							outcome.precision === undefined || isPrecision(outcome.precision),
							String(outcome.precision),
						);
						assert.ok(
							outcome.dataset === undefined ||
								(/^ds-[0-9a-f]{24}$/.test(outcome.dataset.snapshot) &&
									(outcome.dataset.validation === null ||
										/^vs-[0-9a-f]{24}$/.test(outcome.dataset.validation))),
						);
						return 'accepted';
					},
				);
			}),
			{ seed: 1207, numRuns: RUNS },
		);
		console.log(tally.report());
		assert.ok(tally.count('accepted') > RUNS / 20 && tally.count('refused') > RUNS / 20);
	});
});

describe('fuzz: float16 storage (any float32 weights written F16 and read back)', () => {
	const weights = fc.array(
		fc.oneof(
			fc.float({ noDefaultInfinity: false, noNaN: false }),
			fc.float({ min: -8, max: 8, noNaN: true }),
			fc.constantFrom(65504, 65519.99, 65520, -65520, 2 ** -24, 2 ** -25, 6.1e-5, -0),
		),
		{ minLength: 1, maxLength: 64 },
	);
	it(`reads back each of ${RUNS} arrays as the nearest binary16 of every value, in half the bytes`, () => {
		fc.assert(
			fc.property(weights, (values) => {
				const data = Float32Array.from(values);
				const state: StateDict = new Map([['w', { dtype: 'float32', shape: [data.length], data }]]);
				const half = writeSafetensors(state, {}, 'F16');
				const full = writeSafetensors(state, {}, 'F32');
				assert.ok(half.byteLength < full.byteLength || data.length < 4);
				const back = readSafetensors(half, 'half').tensors.get('w')!;
				assert.equal(back.dtype, 'float32');
				for (let i = 0; i < data.length; i++) {
					const x = data[i];
					const y = back.data[i] as number;
					assert.ok(Object.is(y, float16ToFloat32(float32ToFloat16(x))), `${x} → ${y}`);
					if (Number.isNaN(x)) continue;
					if (Math.abs(x) >= 65520) assert.equal(y, Math.sign(x) * Infinity);
					else if (Math.abs(x) >= 2 ** -14)
						assert.ok(Math.abs(y - x) <= Math.abs(x) * 2 ** -11, `${x} → ${y}`);
					else assert.ok(Math.abs(y - x) <= 2 ** -25, `${x} → ${y}`);
				}
			}),
			{ seed: 1404, numRuns: RUNS },
		);
	});
});
