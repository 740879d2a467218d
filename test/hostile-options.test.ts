import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write';
import { imageBatches } from '../lib/data/batches';
import { inspectImage, scanImageFolder, verifyImage } from '../lib/data/dataset';
import { loadImageTensorData } from '../lib/data/image';
import { manifestFromFolder } from '../lib/data/manifest';
import { checkOption } from '../lib/options/option';
import { DATASET_OPTIONS, PIXEL_LIMIT, pixelLimitOf } from '../lib/options/dataset';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { trainingDataFromFolder, type TrainingData } from '../lib/data/training-data';
import { reviveError, transferError } from '../lib/error-transfer';
import { FileError, InvalidParameterError, TrainingDivergedError } from '../lib/errors';
import { evaluate, evaluateSamples } from '../lib/eval/evaluate';
import { classify } from '../lib/infer/classify';
import { MODEL_FORMAT } from '../lib/model-file/metadata';
import type { TrainedModel } from '../lib/model-file/model-file';
import { ResNet18 } from '../lib/model/resnet18';
import { checkOutputFile, checkOutputFolder } from '../lib/output-path';
import { stopOnDivergence } from '../lib/train/callbacks';
import { train } from '../lib/train/train';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';
import { CURRENT_PREPROCESSING } from '../lib/data/preprocessing';

/** The value is refused with InvalidParameterError naming `parameter`, and the message says what is allowed. */
async function refused(
	attempt: () => Promise<unknown>,
	parameter: string,
	allowed: RegExp,
): Promise<void> {
	await assert.rejects(attempt, (error: unknown) => {
		assert.ok(error instanceof InvalidParameterError, String(error));
		assert.equal(error.parameter, parameter);
		assert.match(error.message, allowed);
		return true;
	});
}

/** A folder new files cannot be created in: read-only by mode, or (as root, who ignores modes) /sys. */
function readOnlyFolder(dir: string): string {
	const folder = path.join(dir, 'read-only');
	fs.mkdirSync(folder);
	fs.chmodSync(folder, 0o555);
	try {
		fs.writeFileSync(path.join(folder, 'probe'), '');
		fs.rmSync(path.join(folder, 'probe'));
		return '/sys';
	} catch {
		return folder;
	}
}

const HOSTILE_NUMBERS = [0, -1, Number.NaN, 'abc', Infinity, 2 ** 53, '', 1.5] as const;

describe('hostile option values are refused where they enter the library, naming the option', () => {
	const dir = tempDir();
	const images = path.join(dir, 'images');
	let model: TrainedModel;
	let data: TrainingData;

	beforeAll(async () => {
		await testBackend();
		await writeSyntheticDataset(images, { classes: 2, perClass: 10, size: 32, seed: 3 });
		({ data } = await trainingDataFromFolder(images, { validationSplit: 0.2 }));
		model = {
			network: ResNet18.initialize(2, 0),
			metadata: {
				format: MODEL_FORMAT,
				architecture: 'resnet18',
				classes: data.classes,
				inputSize: 32,
				resizeSize: 37,
				preprocessing: CURRENT_PREPROCESSING,
				normalization: IMAGENET_NORMALIZATION,
				packageVersion: 'test',
				createdAt: new Date(0).toISOString(),
			},
		};
	});

	it('evaluate() and evaluateSamples(): batch size 1–128 and top K ≥ 1, before any image is read', async () => {
		for (const value of HOSTILE_NUMBERS) {
			// Text, NaN and ±Infinity are not numbers; 1.5 is not whole; the rest are out of range.
			const allowed = (range: string) =>
				new RegExp(`must be (a number |a whole number )?between ${range}, got `);
			await refused(
				() => evaluate(model, data.validation, { batchSize: value as number }),
				'batchSize',
				allowed('1 and 128'),
			);
			await refused(
				() => evaluate(model, data.validation, { topK: value as number }),
				'topK',
				allowed('1 and 1000'),
			);
		}
		// evaluateSamples was unchecked: batch size 0 never advanced and filled memory until V8 aborted.
		await refused(
			() =>
				evaluateSamples(model.network, data.validation, data.classes, {
					imageSize: 32,
					batchSize: 0,
				}),
			'batchSize',
			/between 1 and 128, got 0/,
		);
		await refused(
			() =>
				evaluateSamples(model.network, data.validation, data.classes, {
					imageSize: 32,
					batchSize: 129,
				}),
			'batchSize',
			/between 1 and 128, got 129/,
		);
		await refused(
			() =>
				evaluateSamples(model.network, data.validation, data.classes, { imageSize: 32, topK: 0 }),
			'topK',
			/between 1 and 1000, got 0/,
		);
	});

	it('imageBatches() refuses a batch size that would never get through the images', async () => {
		for (const batchSize of [0, -1, 0.5, Number.NaN]) {
			await refused(
				async () => {
					for await (const batch of imageBatches(data.train, {
						batchSize,
						shuffle: false,
						seed: 0,
						mode: 'eval',
						cropSize: 32,
					}))
						void batch;
				},
				'batchSize',
				/whole number of at least 1/,
			);
		}
	});

	it('classify(): top K, threshold and batch size by the table', async () => {
		const files = data.validation.map((s) => s.file);
		await refused(() => classify(model, files, { topK: 0 }), 'topK', /between 1 and 1000, got 0/);
		await refused(() => classify(model, files, { batchSize: 0 }), 'batchSize', /1 and 128, got 0/);
		await refused(() => classify(model, files, { batchSize: 2 ** 53 }), 'batchSize', /1 and 128/);
		await refused(() => classify(model, files, { threshold: 1.5 }), 'threshold', /between 0 and 1/);
		await refused(() => classify(model, files, { threshold: Number.NaN }), 'threshold', /number/);
	});

	it('train(): every numeric option by the table, before the network is built', async () => {
		const cases: [string, unknown, RegExp][] = [
			['batchSize', 0, /between 1 and 128/],
			['batchSize', 2 ** 53, /between 1 and 128/],
			['epochs', Infinity, /must be a number/],
			['epochs', 1.5, /whole number/],
			['learningRate', Number.NaN, /must be a number/],
			['learningRate', 5, /between 0.00001 and 0.001/],
			['imageSize', -1, /between 32 and 512/],
			['seed', -1, /between 0 and 2147483647/],
			['labelSmoothing', 'abc', /must be a number/],
			['gradientClipNorm', '', /must be a number/],
			['optimizer', 'rmsprop', /one of adam, adamw, sgd/],
		];
		for (const [option, value, allowed] of cases)
			await refused(() => train(data, { [option]: value }), option, allowed);
	});

	it('the pixel limit (limitInputPixels) ≤ 0 or not a whole number is refused by every library function that takes it', async () => {
		const image = data.train[0].file;
		for (const value of [0, -1, Number.NaN, 1.5, 'abc', Infinity]) {
			const allowed =
				typeof value === 'number' && Number.isFinite(value) && value !== 1.5
					? /between 1 and 1000000000/
					: /must be a (whole )?number/;
			await refused(
				() => scanImageFolder(images, { limitInputPixels: value as number }),
				'limitInputPixels',
				allowed,
			);
			await refused(
				() => manifestFromFolder(images, { limitInputPixels: value as number }),
				'limitInputPixels',
				allowed,
			);
			await refused(() => inspectImage(image, value as number), 'limitInputPixels', allowed);
			await refused(() => verifyImage(image, value as number), 'limitInputPixels', allowed);
			await refused(
				() =>
					loadImageTensorData(image, {
						mode: 'eval',
						cropSize: 32,
						resizeSize: 37,
						limitInputPixels: value as number,
					}),
				'limitInputPixels',
				allowed,
			);
		}
		// 1 pixel is a limit (every image is refused from its header, each named), not an error.
		const tight = await inspectImage(image, 1);
		assert.equal(tight.ok, false);
		assert.equal(!tight.ok && tight.kind, 'too-many-pixels');
	});

	it('a Max Megapixels the table allows is a pixel limit the library allows: 999.9999999999991 megapixels is 1,000,000,000 pixels (found by the CLI fuzzer)', async () => {
		for (const megapixels of [999.9999999999991, 1, 1000, 1.0000001, 123.4567891]) {
			const pixels = pixelLimitOf(
				checkOption(DATASET_OPTIONS.maxMegapixels, 'maxMegapixels', megapixels),
			);
			assert.equal(
				checkOption(PIXEL_LIMIT, 'limitInputPixels', pixels),
				pixels,
				String(megapixels),
			);
		}
		const scanned = await scanImageFolder(images, {
			limitInputPixels: pixelLimitOf(999.9999999999991),
		});
		assert.equal(scanned.samples.length > 0, true);
	});

	it('train() on data built by hand refuses fewer than 2 classes with training images, naming the empty ones, before any training', async () => {
		const onlyFirst = { ...data, train: data.train.filter((s) => s.label === 0) };
		const progress: unknown[] = [];
		await refused(
			() => train(onlyFirst, { epochs: 1, imageSize: 32 }, { onProgress: (p) => progress.push(p) }),
			'dataset',
			new RegExp(
				`at least 2 classes, found only "${data.classes[0]}"; no training images in "${data.classes[1]}"`,
			),
		);
		const withEmpty = { ...onlyFirst, classes: [...data.classes, 'empty'] };
		await refused(
			() => train(withEmpty, { epochs: 1, imageSize: 32 }),
			'dataset',
			new RegExp(`no training images in "${data.classes[1]}", "empty"`),
		);
		assert.deepEqual(progress, [], 'no step ran');
	});
});

describe('the output path is checked before any work', () => {
	const dir = tempDir();
	const aFile = path.join(dir, 'a-file');
	fs.writeFileSync(aFile, 'x');

	it('refuses "", a folder, a path under a regular file and a read-only folder, naming the parameter', async () => {
		for (const empty of ['', '   ', undefined, 3])
			await refused(() => checkOutputFile(empty, '--out'), '--out', /must name the file to write/);
		await refused(() => checkOutputFile(dir, '--out'), '--out', /is a folder/);
		await refused(
			() => checkOutputFile(path.join(aFile, 'model.safetensors'), '--out'),
			'--out',
			/a-file is a file, not a folder/,
		);
		await refused(
			() => checkOutputFile(path.join(aFile, 'deeper', 'model.onnx'), '--out'),
			'--out',
			/a-file is a file, not a folder/,
		);
		const readOnly = readOnlyFolder(dir);
		await refused(
			() => checkOutputFile(path.join(readOnly, 'model.safetensors'), '--out'),
			'--out',
			/refuses new files/,
		);
		await refused(
			() => checkOutputFolder(path.join(aFile, 'models', 'cats'), 'RESNET18_MODELS_FOLDER'),
			'RESNET18_MODELS_FOLDER',
			/is a file, not a folder/,
		);
	});

	it('accepts a new file in a folder yet to be made, leaving nothing behind', async () => {
		const target = path.join(dir, 'new', 'deeper', 'model.safetensors');
		assert.equal(await checkOutputFile(path.relative(process.cwd(), target), '--out'), target);
		assert.equal(fs.existsSync(path.join(dir, 'new')), false);
		assert.deepEqual(
			fs.readdirSync(dir).filter((f) => f.startsWith('.')),
			[],
		);
		// An existing file is replaced later: accepted.
		assert.equal(await checkOutputFile(aFile, '--out'), aFile);
	});

	it('writeFileAtomic("") refuses instead of writing a temp file beside the working folder', async () => {
		const parent = path.dirname(process.cwd());
		const before = fs.readdirSync(parent);
		await assert.rejects(writeFileAtomic('', new Uint8Array(1)), FileError);
		assert.deepEqual(fs.readdirSync(parent), before);
	});
});

describe('a non-finite loss fails the run', () => {
	const dir = tempDir();
	const images = path.join(dir, 'images');
	let data: TrainingData;

	beforeAll(async () => {
		await testBackend();
		await writeSyntheticDataset(images, { classes: 2, perClass: 10, size: 32, seed: 4 });
		({ data } = await trainingDataFromFolder(images, { validationSplit: 0.2 }));
	});

	it('a real run whose logits overflow stops at epoch 1, batch 1 with TrainingDivergedError, and returns no model', async () => {
		// Starting weights at float32's edge (no option out of range, no mock): the logits overflow, so the
		// cross-entropy of the very first step is NaN, as when a run blows up.
		const start = ResNet18.initialize(2, 1);
		const state = start.toStateDict();
		start.dispose();
		// The stem at float32's edge too: its activations overflow, and the features turn NaN, whatever the images.
		for (const name of ['conv1.weight', 'fc.weight'])
			(state.get(name)!.data as Float32Array).fill(3e38);
		const batches: number[] = [];
		await assert.rejects(
			train(
				data,
				{ fineTune: 'head', epochs: 2, batchSize: 4, imageSize: 32, learningRate: 0.001 },
				{ initialWeights: state, onProgress: (p) => p.kind === 'batch' && batches.push(p.loss) },
			),
			(error: unknown) => {
				assert.ok(error instanceof TrainingDivergedError, String(error));
				assert.equal(error.epoch, 1);
				assert.equal(error.batch, 1);
				assert.equal(Number.isFinite(error.loss), false);
				assert.equal(error.bestEpoch, undefined);
				assert.match(error.message, /epoch 1, batch 1 .*no model was written/);
				return true;
			},
		);
		// The non-finite step was not reported as progress: it is the error.
		assert.deepEqual(batches, []);
	});

	it('names the best earlier epoch and its validation accuracy, and keeps its type across a thread', () => {
		const guard = stopOnDivergence();
		const at = (epoch: number, batch: number) => ({ epoch, batch, batches: 4 });
		guard.afterStep!(at(1, 1), { images: 4, loss: 0.7, correct: 2 });
		guard.afterEpoch!(
			{ epoch: 1, trainLoss: 0.7, trainAccuracy: 0.5, validationAccuracy: 0.75, seconds: 1 },
			3,
		);
		guard.afterEpoch!(
			{ epoch: 2, trainLoss: 0.6, trainAccuracy: 0.6, validationAccuracy: 0.5, seconds: 1 },
			3,
		);
		let thrown: unknown;
		try {
			void guard.afterStep!(at(3, 2), { images: 4, loss: Infinity, correct: 0 });
		} catch (error) {
			thrown = error;
		}
		assert.ok(thrown instanceof TrainingDivergedError);
		assert.equal(thrown.bestEpoch, 1);
		assert.equal(thrown.bestValidationAccuracy, 0.75);
		assert.match(
			thrown.message,
			/epoch 3, batch 2 is Infinity.*best earlier epoch was 1 \(validation accuracy 0\.750\)/,
		);
		const revived = reviveError(structuredClone(transferError(thrown)));
		assert.ok(revived instanceof TrainingDivergedError);
		assert.equal((revived as TrainingDivergedError).epoch, 3);
		assert.equal((revived as TrainingDivergedError).bestEpoch, 1);
	});

	it('a validation loss that is not finite fails the run too, in the last epoch as in any, naming the epoch', () => {
		for (const loss of [Number.NaN, Infinity]) {
			const guard = stopOnDivergence();
			guard.afterEpoch!(
				{
					epoch: 1,
					trainLoss: 0.7,
					trainAccuracy: 0.5,
					validationLoss: 0.69,
					validationAccuracy: 0.6,
					seconds: 1,
				},
				2,
			);
			let thrown: unknown;
			try {
				guard.afterEpoch!(
					{
						epoch: 2,
						trainLoss: 0.6,
						trainAccuracy: 0.6,
						validationLoss: loss,
						validationAccuracy: 0.5,
						seconds: 1,
					},
					2,
				);
			} catch (error) {
				thrown = error;
			}
			assert.ok(thrown instanceof TrainingDivergedError, `validation loss ${loss}`);
			assert.equal(thrown.phase, 'validation');
			assert.equal(thrown.epoch, 2);
			assert.equal(thrown.bestEpoch, 1);
			assert.match(
				thrown.message,
				new RegExp(
					`validation loss of epoch 2 is ${loss}; no model was written.*best earlier epoch was 1 \\(validation accuracy 0\\.600\\)`,
				),
			);
			const revived = reviveError(structuredClone(transferError(thrown)));
			assert.ok(revived instanceof TrainingDivergedError);
			assert.equal((revived as TrainingDivergedError).phase, 'validation');
		}
	});
});
