/**
 * Scale spec (slow; `npm run test:scale`, ~12 min on 2 cores): issue 14's accuracy target for the small models. A
 * ResNet-18 trained on 5,000 Fashion-MNIST images from Debian (`../shared/data/fashion-mnist.sh`, kept in
 * .cache/fashion-mnist or FASHION_MNIST_DIR) to ≥ 80 % on the committed 1,000-image validation fixture keeps its
 * accuracy within 1 point there in float16 and in int8 (calibrated on 128 training images).
 */
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../lib/compute/backend';
import { trainingDataFromFolder } from '../../lib/data/training-data';
import { evaluate } from '../../lib/eval/evaluate';
import {
	openSecondModel,
	releaseSecondModel,
	sideBySide,
	type PrecisionRow,
} from '../../lib/eval/second-model';
import { inferenceEngine, prepareInference } from '../../lib/infer/engine';
import { onnxRuntime } from '../../lib/infer/onnx-runtime';
import { serializeModel, type TrainedModel } from '../../lib/model-file/model-file';
import { int8OnnxFromFolder } from '../../lib/onnx/int8-model';
import { train } from '../../lib/train/train';

const repo = path.resolve(__dirname, '../../..');
const dir = process.env.FASHION_MNIST_DIR ?? path.join(repo, '.cache', 'fashion-mnist');
const VALIDATION = path.join(repo, 'test/fixtures/fashion-mnist-val-1000');

const withOrt = typeof onnxRuntime() === 'string' ? describe.skip : describe;

withOrt(
	'float16 and int8 keep a trained model’s accuracy (Fashion-MNIST, 1,000 validation images)',
	() => {
		let model: TrainedModel;
		let rows: { float16: PrecisionRow[]; int8: PrecisionRow[] };

		beforeAll(async () => {
			if (!fs.existsSync(path.join(dir, 'train')))
				execFileSync('bash', [path.join(repo, '../shared/data/fashion-mnist.sh'), dir, '500'], {
					stdio: 'inherit',
				});
			await useBackend('wasm');
			const trainFolder = path.join(dir, 'train');
			const { data } = await trainingDataFromFolder(trainFolder, { validationFolder: VALIDATION });
			// 32 px, from scratch: 4 epochs reach ~87 % in ~11 min on one WebAssembly thread.
			const result = await train(data, {
				imageSize: 32,
				epochs: 4,
				batchSize: 32,
				learningRate: 1e-3,
				augment: 'none',
				fineTune: 'full',
				schedule: 'cosine',
				seed: 42,
			});
			model = result.model;
			await prepareInference(model.network, model.metadata, { images: data.validation.length });
			const first = {
				evaluation: await evaluate(model, data.validation),
				metadata: model.metadata,
				file: 'float32',
				bytes: serializeModel(model).byteLength,
				engine: inferenceEngine(model.network),
			};
			const int8 = await int8OnnxFromFolder(model, trainFolder, { images: 128 });
			const score = async (bytes: Uint8Array, file: string) => {
				const second = await openSecondModel(bytes, file, model.metadata, 'test');
				try {
					return await sideBySide(first, second, data.validation, {});
				} finally {
					await releaseSecondModel(second);
				}
			};
			rows = {
				float16: await score(serializeModel(model, 'float16'), 'float16'),
				int8: await score(int8, 'int8'),
			};
			console.log(JSON.stringify(rows, null, 1));
		});
		afterAll(() => model?.network.dispose());

		it('trains the float32 model to at least 80 %', () => {
			assert.ok(rows.int8[0].accuracy >= 0.8, `float32 accuracy ${rows.int8[0].accuracy}`);
			assert.equal(rows.int8[0].count, 1000);
		});

		it('loses at most 1 point in float16, at half the bytes', () => {
			const [f32, f16] = rows.float16;
			assert.ok(
				Math.abs(f16.accuracy - f32.accuracy) <= 0.01,
				`${f16.accuracy} vs ${f32.accuracy}`,
			);
			assert.ok(f16.bytes <= f32.bytes * 0.51);
		});

		it('loses at most 1 point in int8, in at most 12.0e6 bytes, on ONNX Runtime', () => {
			const [f32, q] = rows.int8;
			assert.ok(Math.abs(q.accuracy - f32.accuracy) <= 0.01, `${q.accuracy} vs ${f32.accuracy}`);
			assert.ok(q.bytes <= 12.0e6, `${q.bytes} bytes`);
			assert.equal(q.engine, 'onnxruntime');
		});
	},
);
