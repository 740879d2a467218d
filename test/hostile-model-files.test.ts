import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { main } from '../lib/cli/main';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { ModelMetadataError, WeightsError } from '../lib/errors';
import { classify } from '../lib/infer/classify';
import { MODEL_FORMAT, encodeMetadata, type ModelMetadata } from '../lib/model-file/metadata';
import { loadModel, saveModel } from '../lib/model-file/model-file';
import { ResNet18 } from '../lib/model/resnet18';
import type { Float32HostTensor, StateDict } from '../lib/weights/host-tensor';
import { readSafetensors, writeSafetensors } from '../lib/weights/safetensors';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';
import { CURRENT_PREPROCESSING } from '../lib/data/preprocessing';

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Model files that lie: each probe is a mutated copy of a real model file, and each must be refused when read, with
 * the typed error naming the file and the tensor or metadata field at fault (not a tfjs error blaming the image, and
 * never a classification of `unknown` with confidence NaN).
 */
describe('hostile and damaged model files', () => {
	const dir = tempDir();
	const base = path.join(dir, 'base.safetensors');
	const metadata: ModelMetadata = {
		format: MODEL_FORMAT,
		architecture: 'resnet18',
		classes: ['cat', 'dog'],
		inputSize: 32,
		resizeSize: 37,
		preprocessing: CURRENT_PREPROCESSING,
		normalization: IMAGENET_NORMALIZATION,
		packageVersion: 'test',
		createdAt: 'now',
	};
	let bytes: Buffer;
	let tensors: StateDict;
	let image: { data: Buffer; name: string };

	beforeAll(async () => {
		await testBackend();
		const network = ResNet18.initialize(2, 3);
		await saveModel(base, { network, metadata });
		network.dispose();
		bytes = fs.readFileSync(base);
		tensors = readSafetensors(bytes, base).tensors;
		image = {
			name: 'orange.png',
			data: await sharp({
				create: { width: 40, height: 40, channels: 3, background: { r: 220, g: 120, b: 30 } },
			})
				.png()
				.toBuffer(),
		};
	});

	/** Write `content` as a model file (removed afterwards, each copy is ~45 MB) and give `use` its path. */
	async function withFile(
		name: string,
		content: Uint8Array,
		use: (file: string) => Promise<void>,
	): Promise<void> {
		const file = path.join(dir, name);
		fs.writeFileSync(file, content);
		try {
			await use(file);
		} finally {
			fs.rmSync(file, { force: true });
		}
	}

	/** The base file with its metadata fields replaced (raw strings, as they sit in the header). */
	function withMetadata(fields: Record<string, string>): Buffer {
		return writeSafetensors(tensors, { ...encodeMetadata(metadata), ...fields });
	}

	/** The base file with one float tensor's values edited. */
	function withTensor(name: string, edit: (data: Float32Array) => void): Buffer {
		const original = tensors.get(name) as Float32HostTensor;
		const data = new Float32Array(original.data);
		edit(data);
		const copy: StateDict = new Map(tensors);
		copy.set(name, { ...original, data });
		return writeSafetensors(copy, encodeMetadata(metadata));
	}

	/** The base file with its JSON header rewritten (the data section kept as it is). */
	function withHeader(edit: (header: Record<string, unknown>) => unknown): Buffer {
		const length = Number(bytes.readBigUInt64LE(0));
		const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<
			string,
			unknown
		>;
		const text = Buffer.from(JSON.stringify(edit(header)), 'utf8');
		const prefix = Buffer.alloc(8);
		prefix.writeBigUInt64LE(BigInt(text.length));
		return Buffer.concat([prefix, text, bytes.subarray(8 + length)]);
	}

	function entry(header: Record<string, unknown>, name: string): Record<string, unknown> {
		return header[name] as Record<string, unknown>;
	}

	async function refusesWeights(
		name: string,
		content: Uint8Array,
		tensor: string | undefined,
		message: RegExp,
	): Promise<void> {
		await withFile(name, content, async (file) => {
			await assert.rejects(loadModel(file), (e: unknown) => {
				assert.ok(e instanceof WeightsError, String(e));
				assert.ok(!(e instanceof ModelMetadataError), String(e));
				assert.equal(e.file, file);
				assert.equal(e.tensor, tensor);
				assert.match(e.message, message);
				assert.ok(e.message.startsWith(`${file}: `), e.message);
				return true;
			});
		});
	}

	async function refusesField(
		name: string,
		content: Uint8Array,
		field: string,
		message: RegExp,
	): Promise<void> {
		await withFile(name, content, async (file) => {
			await assert.rejects(loadModel(file), (e: unknown) => {
				assert.ok(e instanceof ModelMetadataError, String(e));
				assert.equal(e.file, file);
				assert.equal(e.field, field);
				assert.match(e.message, message);
				assert.ok(e.message.startsWith(`${file}: metadata field "${field}" `), e.message);
				return true;
			});
		});
	}

	it('loads and classifies the unmutated file, with a finite confidence (the control for every probe)', async () => {
		const model = await loadModel(base);
		assert.deepEqual(model.metadata.classes, ['cat', 'dog']);
		assert.equal(model.file, base);
		const [prediction] = await classify(model, [image]);
		assert.ok(Number.isFinite(prediction.confidence), String(prediction.confidence));
		assert.ok(['cat', 'dog'].includes(prediction.label));
		model.network.dispose();
	});

	it('still loads files from elsewhere: no metadata, or only Hugging Face\'s {"format": "pt"}', async () => {
		for (const extra of [undefined, { format: 'pt' }]) {
			await withFile('foreign.safetensors', writeSafetensors(tensors, extra), async (file) => {
				const model = await loadModel(file);
				assert.deepEqual(model.metadata.classes, ['class_0', 'class_1']);
				assert.equal(model.metadata.inputSize, 224);
				assert.deepEqual(model.metadata.normalization, IMAGENET_NORMALIZATION);
				model.network.dispose();
			});
		}
	});

	describe('the safetensors structure is checked before any tensor is read', () => {
		it('refuses a header length larger than the file, or over the reader limit', async () => {
			const tooLong = Buffer.from(bytes);
			tooLong.writeBigUInt64LE(BigInt(bytes.length));
			await refusesWeights(
				'long.safetensors',
				tooLong,
				undefined,
				new RegExp(`header length ${bytes.length} exceeds the file's ${bytes.length} bytes`),
			);
			const huge = Buffer.from(bytes);
			huge.writeBigUInt64LE(2n ** 63n);
			await refusesWeights(
				'huge.safetensors',
				huge,
				undefined,
				/header length 9223372036854775808 is over the 104857600-byte limit/,
			);
		});

		it('refuses a truncated file, naming the tensor whose bytes are missing', async () => {
			await refusesWeights(
				'truncated.safetensors',
				bytes.subarray(0, bytes.length - 4),
				'fc.bias',
				/tensor "fc\.bias" has data offsets \[\d+, \d+\] outside the file's \d+ data bytes \(truncated\?\)/,
			);
		});

		it('refuses a header that is JSON null, an array or not JSON', async () => {
			await refusesWeights(
				'null.safetensors',
				withHeader(() => null),
				undefined,
				/its header is null, not a JSON object of tensors/,
			);
			await refusesWeights(
				'array.safetensors',
				withHeader(() => []),
				undefined,
				/its header is an array/,
			);
			const garbage = Buffer.from(bytes);
			garbage.write('{{{{', 8);
			await refusesWeights('garbage.safetensors', garbage, undefined, /its header is not JSON/);
		});

		it('refuses an unknown dtype, a bad shape, and a byte range that does not match the shape', async () => {
			await refusesWeights(
				'dtype.safetensors',
				withHeader((h) => ({ ...h, 'conv1.weight': { ...entry(h, 'conv1.weight'), dtype: 'F8' } })),
				'conv1.weight',
				/tensor "conv1\.weight" has unsupported dtype "F8" \(supported: F64, F32/,
			);
			await refusesWeights(
				'negative-shape.safetensors',
				withHeader((h) => ({
					...h,
					'conv1.weight': { ...entry(h, 'conv1.weight'), shape: [64, 3, 7, -7] },
				})),
				'conv1.weight',
				/has an invalid shape \[64,3,7,-7\] \(non-negative integers expected\)/,
			);
			await refusesWeights(
				'short-shape.safetensors',
				withHeader((h) => ({
					...h,
					'conv1.weight': { ...entry(h, 'conv1.weight'), shape: [64, 3, 7, 6] },
				})),
				'conv1.weight',
				/\(37632 bytes\) but its shape \[64, 3, 7, 6\] of F32 needs 32256 bytes/,
			);
			await refusesWeights(
				'offsets.safetensors',
				withHeader((h) => ({
					...h,
					'bn1.bias': { ...entry(h, 'bn1.bias'), data_offsets: [-256, 0] },
				})),
				'bn1.bias',
				/tensor "bn1\.bias" has invalid data offsets \[-256,0\]/,
			);
		});

		it('refuses overlapping byte ranges (two tensors aliasing the same weights)', async () => {
			await refusesWeights(
				'overlap.safetensors',
				withHeader((h) => {
					const [begin] = entry(h, 'conv1.weight').data_offsets as number[];
					return {
						...h,
						'bn1.weight': { ...entry(h, 'bn1.weight'), data_offsets: [begin + 4, begin + 260] },
					};
				}),
				'bn1.weight',
				/tensor "bn1\.weight" has data offsets \[4, 260\] overlapping those of "conv1\.weight" \[0, 37632\]/,
			);
		});

		it('refuses __metadata__ that is not a map of strings', async () => {
			await refusesWeights(
				'metadata-number.safetensors',
				withHeader((h) => ({
					...h,
					__metadata__: { ...(h.__metadata__ as object), inputSize: 32 },
				})),
				'__metadata__',
				/__metadata__\.inputSize is number 32, not a string/,
			);
			await refusesWeights(
				'metadata-null.safetensors',
				withHeader((h) => ({ ...h, __metadata__: null })),
				'__metadata__',
				/__metadata__ is null, not an object of strings/,
			);
		});
	});

	describe('the metadata must describe a model training can make', () => {
		it.each([['0'], ['-5'], ['abc'], ['32.5'], ['100000'], ['7'], ['']])(
			'refuses inputSize %j',
			async (value) => {
				await refusesField(
					'input-size.safetensors',
					withMetadata({ inputSize: value }),
					'inputSize',
					new RegExp(
						`must be a whole number of pixels from 32 to 512 \\(the Image Size training allows\\), got ${escape(JSON.stringify(value))}$`,
					),
				);
			},
		);

		it('refuses a resizeSize below the crop or far above it', async () => {
			for (const value of ['31', '65', 'x'])
				await refusesField(
					'resize.safetensors',
					withMetadata({ resizeSize: value }),
					'resizeSize',
					/must be a whole number of pixels from 32 \(inputSize\) to 64/,
				);
		});

		it('refuses a zero std, a one-element normalisation and junk', async () => {
			await refusesField(
				'zero-std.safetensors',
				withMetadata({ normalization: '{"mean":[0.485,0.456,0.406],"std":[0,0.224,0.225]}' }),
				'normalization.std',
				/must be 3 finite numbers above 0 \(one per RGB channel\), got \[0,0\.224,0\.225\]/,
			);
			await refusesField(
				'one-element.safetensors',
				withMetadata({ normalization: '{"mean":[0.5],"std":[0.25]}' }),
				'normalization.mean',
				/must be 3 finite numbers \(one per RGB channel\), got \[0\.5\]/,
			);
			await refusesField(
				'junk-normalization.safetensors',
				withMetadata({ normalization: '"junk"' }),
				'normalization',
				/must be an object \{"mean": \[r, g, b\], "std": \[r, g, b\]\}, got "junk"/,
			);
			await refusesField(
				'null-normalization.safetensors',
				withMetadata({ normalization: 'null' }),
				'normalization',
				/got null/,
			);
			await refusesField(
				'bad-json.safetensors',
				withMetadata({ normalization: '{mean:' }),
				'normalization',
				/is not valid JSON/,
			);
		});

		it('refuses duplicate, empty, missing or miscounted class names', async () => {
			await refusesField(
				'duplicate.safetensors',
				withMetadata({ classes: '["cat","cat"]' }),
				'classes',
				/lists "cat" twice; class names must be unique/,
			);
			// Two spellings of café (NFC, NFD) would print as one class (found by the metadata fuzzer).
			await refusesField(
				'unicode-twins.safetensors',
				withMetadata({ classes: JSON.stringify(['caf\u00e9', 'cafe\u0301']) }),
				'classes',
				/lists caf\\u\{00e9\} and cafe\\u\{0301\}, the same name "café" once Unicode-normalised \(NFC\)/,
			);
			await refusesField(
				'empty-name.safetensors',
				withMetadata({ classes: '["cat"," "]' }),
				'classes',
				/entry 1 must be a non-empty class name, got " "/,
			);
			await refusesField(
				'null-classes.safetensors',
				withMetadata({ classes: 'null' }),
				'classes',
				/must be an array of 2 class names, got null/,
			);
			await refusesField(
				'three-classes.safetensors',
				withMetadata({ classes: '["a","b","c"]' }),
				'classes',
				/lists 3 class names but the classifier has 2 outputs/,
			);
			await refusesField(
				'training.safetensors',
				withMetadata({ training: '[1]' }),
				'training',
				/must be a JSON object, got \[1\]/,
			);
		});
	});

	describe('weights must be finite, running variances non-negative', () => {
		it('refuses NaN and Infinity in any tensor, naming it', async () => {
			await refusesWeights(
				'nan.safetensors',
				withTensor('layer2.0.conv1.weight', (d) => (d[5] = Number.NaN)),
				'layer2.0.conv1.weight',
				/tensor "layer2\.0\.conv1\.weight" holds NaN \(element 5 of 73728\)/,
			);
			await refusesWeights(
				'inf.safetensors',
				withTensor('layer1.1.bn2.running_mean', (d) => (d[0] = -Infinity)),
				'layer1.1.bn2.running_mean',
				/holds -Infinity \(element 0 of 64\)/,
			);
			// Some exporters store the batch counter as a float; NaN there used to fail in BigInt() untyped.
			const counter: StateDict = new Map(tensors);
			counter.set('bn1.num_batches_tracked', {
				dtype: 'float32',
				shape: [],
				data: Float32Array.of(Number.NaN),
			});
			await refusesWeights(
				'counter.safetensors',
				writeSafetensors(counter, encodeMetadata(metadata)),
				'bn1.num_batches_tracked',
				/tensor "bn1\.num_batches_tracked" holds NaN, not a count of batches/,
			);
		});

		it('refuses a negative batch-norm running variance', async () => {
			await refusesWeights(
				'variance.safetensors',
				withTensor('bn1.running_var', (d) => (d[3] = -0.5)),
				'bn1.running_var',
				/tensor "bn1\.running_var" holds the negative running variance -0\.5 \(element 3\)/,
			);
		});

		it('refuses a one-class classifier as a tensor of the file, not as an option', async () => {
			const copy: StateDict = new Map(tensors);
			copy.set('fc.weight', { dtype: 'float32', shape: [1, 512], data: new Float32Array(512) });
			copy.set('fc.bias', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
			await refusesWeights(
				'one-class.safetensors',
				writeSafetensors(copy),
				'fc.weight',
				/tensor "fc\.weight" has 1 rows \(classes\); a classifier has 2 to 10000/,
			);
		});

		it('export-onnx refuses a NaN file with the same error, and writes nothing', async () => {
			await withFile(
				'nan-export.safetensors',
				withTensor('conv1.weight', (d) => (d[0] = Number.NaN)),
				async (file) => {
					const out = path.join(dir, 'nan.onnx');
					const written: string[] = [];
					const write = process.stderr.write.bind(process.stderr);
					process.stderr.write = ((chunk: string | Uint8Array) => {
						written.push(String(chunk));
						return true;
					}) as typeof process.stderr.write;
					let code: number;
					try {
						code = await main(['node', 'resnet18', 'export-onnx', file, '--out', out]);
					} finally {
						process.stderr.write = write;
					}
					assert.equal(code, 1);
					assert.equal(fs.existsSync(out), false);
					assert.match(
						written.join(''),
						new RegExp(`error: ${escape(file)}: tensor "conv1\\.weight" holds NaN`),
					);
				},
			);
		});
	});

	it('a model whose finite weights overflow is refused at inference, naming the file (never confidence null)', async () => {
		const overflowing = withTensor('fc.weight', (d) => {
			d.fill(3e38, 0, 512);
			d.fill(-3e38, 512);
		});
		await withFile('overflow.safetensors', overflowing, async (file) => {
			const model = await loadModel(file);
			try {
				await assert.rejects(classify(model, [image]), (e: unknown) => {
					assert.ok(e instanceof WeightsError, String(e));
					assert.equal(e.file, file);
					assert.match(
						e.message,
						/gives the class probability (NaN|-?Infinity): its weights overflow/,
					);
					return true;
				});
			} finally {
				model.network.dispose();
			}
		});
	});
});
