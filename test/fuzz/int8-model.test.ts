import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { useBackend } from '../../lib/compute/backend';
import { Resnet18Error } from '../../lib/errors';
import { classify } from '../../lib/infer/classify';
import { detachInference } from '../../lib/infer/engine';
import { openModelBytes } from '../../lib/infer/onnx-model';
import { onnxRuntime } from '../../lib/infer/onnx-runtime';
import { deserializeModel } from '../../lib/model-file/model-file';
import { int8OnnxFromFolder } from '../../lib/onnx/int8-model';
import { untrainedModelBytes } from '../support/untrained-model';
import { FuzzTally, outcomeName } from './fuzz-support';

const IMAGES = path.join(__dirname, '../../../test/fixtures/fashion-mnist-300/val');
const CLASSES = fs.readdirSync(IMAGES).sort();
const IMAGE = path.join(IMAGES, CLASSES[0], fs.readdirSync(path.join(IMAGES, CLASSES[0]))[0]);
/** Each input starts an ONNX Runtime session on an 11 MB graph (~0.2 s): fewer runs than the in-memory readers. */
const RUNS = Math.min(Number(process.env.RESNET18_FUZZ_RUNS ?? 300), 300);

const withOrt = typeof onnxRuntime() === 'string' ? describe.skip : describe;

type Edit = (model: onnx.ModelProto) => void;

/**
 * Structure-aware edits of an int8 model file, the kinds a broken copy or a hand-edited file shows: metadata values,
 * missing or retyped initializers, wrong dims, cut raw data; then, on the encoded bytes, a cut or a flipped byte.
 */
function edits(names: readonly string[], keys: readonly string[]): fc.Arbitrary<Edit[]> {
	const odd = fc.constantFrom(
		'',
		'int8',
		'float32',
		'[]',
		'{"mean":[0,0,0]}',
		'9999',
		'x',
		'["a"]',
	);
	const edit: fc.Arbitrary<Edit> = fc.oneof(
		fc.tuple(fc.constantFrom(...keys), odd).map(([key, value]) => (m: onnx.ModelProto) => {
			for (const p of m.metadataProps!) if (p.key === key) p.value = value;
		}),
		fc.constantFrom(...keys).map((key) => (m: onnx.ModelProto) => {
			m.metadataProps = m.metadataProps!.filter((p) => p.key !== key);
		}),
		fc.constantFrom(...names).map((name) => (m: onnx.ModelProto) => {
			m.graph!.initializer = m.graph!.initializer!.filter((t) => t.name !== name);
		}),
		fc
			.tuple(
				fc.constantFrom(...names),
				fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 4 }),
			)
			.map(([name, dims]) => (m: onnx.ModelProto) => {
				const t = m.graph!.initializer!.find((i) => i.name === name);
				if (t) t.dims = dims;
			}),
		fc
			.tuple(fc.constantFrom(...names), fc.integer({ min: 0, max: 16 }))
			.map(([name, type]) => (m: onnx.ModelProto) => {
				const t = m.graph!.initializer!.find((i) => i.name === name);
				if (t) t.dataType = type;
			}),
		fc.tuple(fc.constantFrom(...names), fc.nat()).map(([name, cut]) => (m: onnx.ModelProto) => {
			const t = m.graph!.initializer!.find((i) => i.name === name);
			if (t?.rawData) t.rawData = t.rawData.subarray(0, cut % (t.rawData.length + 1));
		}),
	);
	return fc.array(edit, { minLength: 1, maxLength: 3 });
}

/** Byte-level damage in one input of five: most inputs are files that still parse, to reach the checks past parsing. */
function rarely<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
	return fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary, weight: 1 });
}

withOrt('fuzz: int8 ONNX model files (structure-aware, fixed seed)', () => {
	let valid: Uint8Array;
	let names: string[];
	let keys: string[];

	beforeAll(async () => {
		await useBackend('wasm');
		const model = deserializeModel(untrainedModelBytes(CLASSES, 3), 'model');
		valid = await int8OnnxFromFolder(model, IMAGES, { images: 8 });
		model.network.dispose();
		const proto = onnx.ModelProto.decode(valid);
		names = proto.graph!.initializer!.map((t) => t.name ?? '');
		keys = proto.metadataProps!.map((p) => p.key ?? '');
	});
	afterAll(() => undefined);

	it(`ends each of ${RUNS} damaged int8 files as a model that classifies, or as our typed error naming the file`, async () => {
		const tally = new FuzzTally('int8 model file');
		await fc.assert(
			fc.asyncProperty(
				edits(names, keys),
				rarely(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))),
				rarely(fc.nat()),
				async (changes, flip, cut) => {
					const proto = onnx.ModelProto.decode(valid);
					for (const change of changes) change(proto);
					let bytes = onnx.ModelProto.encode(proto).finish();
					if (flip) {
						bytes = Uint8Array.from(bytes);
						bytes[flip[0] % bytes.length] = flip[1];
					}
					if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
					let outcome: unknown;
					try {
						const model = await openModelBytes(bytes, 'fuzz.int8.onnx');
						try {
							outcome = await classify(model, [IMAGE]);
						} finally {
							await detachInference(model.network);
							model.network.dispose();
						}
					} catch (error) {
						if (!(error instanceof Resnet18Error)) throw error;
						outcome = error;
					}
					tally.run(
						bytes.length,
						() => outcome,
						(o) => {
							if (o instanceof Resnet18Error) {
								assert.ok(o.message.includes('fuzz.int8.onnx'), o.message);
								return `refused (${o.name})`;
							}
							if (o instanceof Error) return outcomeName(o);
							const [prediction] = o as { label: string; confidence: number }[];
							assert.ok(prediction.confidence >= 0 && prediction.confidence <= 1 + 1e-6);
							return 'classified';
						},
					);
				},
			),
			{ seed: 1408, numRuns: RUNS },
		);
		console.log(tally.report());
		assert.ok(tally.count('classified') > 0, 'some edits leave a usable model');
		assert.ok(tally.inputs - tally.count('classified') > RUNS / 4, 'most are refused');
	});
});
