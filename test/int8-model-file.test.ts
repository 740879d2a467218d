import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../lib/compute/backend';
import { imageBatches } from '../lib/data/batches';
import { resamplerOf } from '../lib/data/preprocessing';
import { scanImageFolder } from '../lib/data/dataset';
import * as tf from '../lib/compute/tf';
import { detachInference, inferenceEngine, infer } from '../lib/infer/engine';
import { computeLocally } from '../lib/infer/local';
import { openModelBytes } from '../lib/infer/onnx-model';
import { onnxRuntime } from '../lib/infer/onnx-runtime';
import { deserializeModel, type TrainedModel } from '../lib/model-file/model-file';
import { exportOnnx } from '../lib/onnx/export';
import { int8OnnxFromFolder } from '../lib/onnx/int8-model';
import { tempDir } from './support/temp';
import { untrainedModelBytes } from './support/untrained-model';

const CLI = path.join(__dirname, '../lib/cli/main.js');
const IMAGES = path.join(__dirname, '../../test/fixtures/fashion-mnist-300/val');
const CLASSES = fs.readdirSync(IMAGES).sort();

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
	return spawnSync(process.execPath, [CLI, ...args], {
		encoding: 'utf8',
		env: {
			...process.env,
			RESNET18_BACKEND: process.env.RESNET18_TEST_BACKEND ?? 'wasm',
			...env,
		},
		timeout: 180_000,
	});
}

const withOrt = typeof onnxRuntime() === 'string' ? describe.skip : describe;

/**
 * Issue 14: an int8 file is a model file like the others. Classify Image, Evaluate and the CLI open it, and it predicts
 * through its own int8 graph in ONNX Runtime, never through a float fallback.
 */
withOrt('an int8 ONNX model file', () => {
	let dir: string;
	let float32File: string;
	let int8File: string;
	let float32: TrainedModel;
	let int8: TrainedModel;
	let batch: Float32Array;

	beforeAll(async () => {
		await useBackend('wasm');
		dir = tempDir('resnet18-int8-file-');
		float32File = path.join(dir, 'model.safetensors');
		fs.writeFileSync(float32File, untrainedModelBytes(CLASSES, 8));
		float32 = deserializeModel(fs.readFileSync(float32File), float32File);
		int8File = path.join(dir, 'model.int8.onnx');
		fs.writeFileSync(int8File, await int8OnnxFromFolder(float32, IMAGES, { images: 32 }));
		int8 = await openModelBytes(fs.readFileSync(int8File), int8File);
		const folder = await scanImageFolder(IMAGES);
		const { inputSize, resizeSize, preprocessing } = float32.metadata;
		for await (const b of imageBatches(folder.samples.slice(0, 20), {
			batchSize: 20,
			shuffle: false,
			seed: 0,
			mode: 'eval',
			cropSize: inputSize,
			resizeSize,
			resampler: resamplerOf(preprocessing),
		}))
			batch = b.images;
	});
	afterAll(async () => {
		await detachInference(int8.network);
		int8.network.dispose();
		float32.network.dispose();
	});

	it('opens with its metadata and predicts through ONNX Runtime, close to the float32 model', async () => {
		assert.equal(int8.metadata.precision, 'int8');
		assert.deepEqual(int8.metadata.classes, CLASSES);
		assert.equal(int8.metadata.inputSize, 32);
		assert.equal(inferenceEngine(int8.network), 'onnxruntime');
		const p8 = await infer(int8.network, batch, 32, 'probabilities');
		const p32 = await computeLocally(float32.network, batch, 32, 'probabilities');
		let worst = 0;
		for (let i = 0; i < p8.length; i++) worst = Math.max(worst, Math.abs(p8[i] - p32[i]));
		assert.ok(worst < 0.05, `largest probability difference ${worst}`);
		assert.ok(worst > 0, 'the int8 graph, not the float weights, answered');
	});

	it("holds the int8 weights dequantized: TensorFlow.js on them computes the float model's logits to within weight rounding", async () => {
		const f8 = await computeLocally(int8.network, batch, 32, 'features');
		const f32 = await computeLocally(float32.network, batch, 32, 'features');
		let num = 0;
		let den = 0;
		for (let i = 0; i < f8.length; i++) {
			num += (f8[i] - f32[i]) ** 2;
			den += f32[i] ** 2;
		}
		assert.ok(Math.sqrt(num / den) < 0.05, `relative feature error ${Math.sqrt(num / den)}`);
		// Once its folded inference weights exist (the first forward makes them), a forward leaves no tensor behind.
		const before = tf.memory().numTensors;
		await computeLocally(int8.network, batch, 32, 'features');
		assert.equal(tf.memory().numTensors, before);
	});

	it('starts its session again after a release, rather than answer from the float weights', async () => {
		const first = await infer(int8.network, batch, 32, 'probabilities');
		await detachInference(int8.network);
		const again = await infer(int8.network, batch, 32, 'probabilities');
		assert.deepEqual(Array.from(again), Array.from(first));
		assert.equal(inferenceEngine(int8.network), 'onnxruntime');
	});

	it('refuses a float32 ONNX export as a model file, saying which file to use', async () => {
		const file = path.join(dir, 'model.onnx');
		await assert.rejects(
			openModelBytes(exportOnnx(float32.network.toStateDict(), float32.metadata), file),
			(error: Error) =>
				error.message.includes(file) &&
				/precision/.test(error.message) &&
				/\.safetensors/.test(error.message),
		);
	});

	it('resnet18 classify and evaluate take it; evaluate --compare puts float32 and int8 side by side', () => {
		const image = path.join(IMAGES, CLASSES[0], fs.readdirSync(path.join(IMAGES, CLASSES[0]))[0]);
		const classified = cli(['classify', int8File, image]);
		assert.equal(classified.status, 0, classified.stderr);
		const [prediction] = JSON.parse(classified.stdout) as { label: string; confidence: number }[];
		assert.ok(CLASSES.includes(prediction.label));
		assert.match(classified.stderr, /onnxruntime|ONNX Runtime/i);

		const compared = cli(['evaluate', float32File, IMAGES, '--compare', int8File]);
		assert.equal(compared.status, 0, compared.stderr);
		const report = JSON.parse(compared.stdout) as {
			count: number;
			accuracy: number;
			precisions: {
				precision: string;
				bytes: number;
				accuracy: number;
				count: number;
				msPerImage: number;
				engine: string;
			}[];
		};
		assert.deepEqual(
			report.precisions.map((r) => r.precision),
			['float32', 'int8'],
		);
		const [f, q] = report.precisions;
		assert.equal(f.accuracy, report.accuracy);
		assert.equal(f.bytes, fs.statSync(float32File).size);
		assert.equal(q.bytes, fs.statSync(int8File).size);
		assert.equal(q.count, report.count);
		assert.equal(q.engine, 'onnxruntime');
		for (const r of report.precisions) assert.ok(r.msPerImage > 0, `${r.precision} ms/image`);
	});

	it('without ONNX Runtime, says that int8 needs it, naming the file; a float16 comparison still runs', () => {
		const run = cli(['evaluate', float32File, IMAGES, '--compare', int8File], {
			RESNET18_ONNXRUNTIME: 'off',
		});
		assert.notEqual(run.status, 0);
		assert.ok(run.stderr.includes(int8File), run.stderr);
		assert.match(run.stderr, /int8 model runs only in ONNX Runtime/);

		const half = path.join(dir, 'model.float16.safetensors');
		assert.equal(cli(['export-float16', float32File, '--out', half]).status, 0);
		const compared = cli(['evaluate', float32File, IMAGES, '--compare', half], {
			RESNET18_ONNXRUNTIME: 'off',
		});
		assert.equal(compared.status, 0, compared.stderr);
		const report = JSON.parse(compared.stdout) as {
			precisions: { precision: string; accuracy: number; bytes: number }[];
		};
		assert.deepEqual(
			report.precisions.map((r) => r.precision),
			['float32', 'float16'],
		);
		assert.ok(Math.abs(report.precisions[0].accuracy - report.precisions[1].accuracy) <= 0.02);
		assert.ok(report.precisions[1].bytes < report.precisions[0].bytes * 0.51);
	});

	it('refuses a second model of other classes, naming --compare', () => {
		const other = path.join(dir, 'other.safetensors');
		fs.writeFileSync(other, untrainedModelBytes(['a', 'b'], 1));
		const run = cli(['evaluate', float32File, IMAGES, '--compare', other]);
		assert.notEqual(run.status, 0);
		assert.match(run.stderr, /--compare/);
		assert.match(run.stderr, /classes/);
	});
});
