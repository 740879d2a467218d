import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { ResNet18 } from '../lib/model/resnet18';
import { writeSafetensors } from '../lib/weights/safetensors';
import { isTensorFlowStartupLine, nativeInstalled } from './support/native';
import { tempDir } from './support/temp';

const CLI = path.join(__dirname, '../lib/cli/main.js');

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
	const result = spawnSync(process.execPath, [CLI, ...args], {
		encoding: 'utf8',
		env: { ...process.env, RESNET18_TEST_BACKEND: undefined },
	});
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the resnet18 command line', () => {
	const dir = tempDir();
	const data = path.join(dir, 'data');
	const model = path.join(dir, 'model.safetensors');

	beforeAll(async () => {
		await writeSyntheticDataset(data, { classes: 2, perClass: 10, size: 48, seed: 5 });
		fs.writeFileSync(path.join(data, 'circle', 'broken.jpg'), 'not a jpeg');
	});

	it("dataset: prints classes, counts, the unreadable files and the model card's recommendation", () => {
		const { code, stdout } = run('dataset', data);
		assert.equal(code, 0);
		const summary = JSON.parse(stdout);
		assert.equal(summary.classes.length, 2);
		assert.equal(summary.report.images, 20);
		assert.equal(summary.report.filesLeftOut, 1);
		const unreadable = summary.problems.filter((p: { kept: boolean }) => !p.kept);
		assert.equal(unreadable.length, 1);
		assert.match(unreadable[0].file, /broken\.jpg$/);
		assert.equal(unreadable[0].kind, 'unreadable');
		assert.equal(summary.report.recommendation.datasetSize, 'tiny');
		assert.equal(summary.report.recommendation.augmentation, 'heavy');
	});

	it('train → evaluate → classify: JSON on stdout, progress on stderr', () => {
		const trained = run(
			'train',
			data,
			'--out',
			model,
			'--epochs',
			'2',
			'--batch-size',
			'4',
			'--image-size',
			'32',
			'--lr',
			'0.001',
			'--val-split',
			'0.2',
		);
		assert.equal(trained.code, 0, trained.stderr);
		const history = JSON.parse(trained.stdout);
		assert.equal(history.history.length, 2);
		assert.equal(history.trainImages + history.validationImages, 20);
		// The saved epoch's figures, not the last epoch's when an earlier one was kept.
		const saved = history.history.find((h: { epoch: number }) => h.epoch === history.savedEpoch);
		assert.equal(history.validationAccuracy, saved.validationAccuracy);
		assert.deepEqual(history.lastEpoch, history.history[1]);
		assert.match(trained.stderr, /Compute backend: /);
		assert.match(trained.stderr, /epoch 2\/2/);
		assert.ok(fs.statSync(model).size > 40_000_000, 'an 11M-parameter float32 model');

		const evaluated = run('evaluate', model, data);
		assert.equal(evaluated.code, 0, evaluated.stderr);
		const metrics = JSON.parse(evaluated.stdout);
		assert.equal(metrics.count, 20);
		assert.equal(metrics.confusionMatrix.length, 2);

		const image = path.join(
			data,
			fs.readdirSync(data)[0],
			fs
				.readdirSync(path.join(data, fs.readdirSync(data)[0]))
				.find((f) => !f.startsWith('broken'))!,
		);
		const classified = run('classify', model, image, '--top-k', '2');
		assert.equal(classified.code, 0, classified.stderr);
		const [prediction] = JSON.parse(classified.stdout);
		assert.equal(prediction.image, image);
		assert.equal(prediction.topK.length, 2);
		assert.ok(prediction.confidence > 0 && prediction.confidence <= 1);
		// onnxruntime-node is a devDependency here: inference goes through it, and says so.
		assert.match(classified.stderr, /Inference engine: ONNX Runtime/);
		const viaTfjs = spawnSync(process.execPath, [CLI, 'classify', model, image, '--top-k', '2'], {
			encoding: 'utf8',
			env: { ...process.env, RESNET18_ONNXRUNTIME: 'off' },
		});
		// Where the native engine runs, its forward is one TensorFlow graph; elsewhere TensorFlow.js's.
		assert.match(viaTfjs.stderr, /Inference engine: TensorFlow(\.js| graph) \(turned off/);
		const [tfjsPrediction] = JSON.parse(viaTfjs.stdout);
		assert.equal(tfjsPrediction.label, prediction.label, 'both engines agree on the label');
		assert.ok(Math.abs(tfjsPrediction.confidence - prediction.confidence) < 1e-4);

		const onnxFile = path.join(dir, 'model.onnx');
		const exported = run('export-onnx', model, '--out', onnxFile);
		assert.equal(exported.code, 0, exported.stderr);
		assert.deepEqual(JSON.parse(exported.stdout).input, ['batch', 3, 32, 32]);
		assert.ok(fs.statSync(onnxFile).size > 40_000_000);
	});

	it('evaluate --tta --knn-baseline and classify --grad-cam --tta (the model trained above)', () => {
		const cache = path.join(dir, 'empty-weights-cache');
		const evaluated = run(
			'evaluate',
			model,
			data,
			'--tta',
			'--knn-baseline',
			'--weights-cache',
			cache,
		);
		assert.equal(evaluated.code, 0, evaluated.stderr);
		const report = JSON.parse(evaluated.stdout);
		// The model trained with the card's augmentation for a tiny set (random crops and flips): all six views.
		assert.deepEqual(report.testTimeAugmentation.views, [
			'original',
			'mirrored',
			'top-left crop',
			'top-right crop',
			'bottom-left crop',
			'bottom-right crop',
		]);
		assert.equal(report.testTimeAugmentation.accuracyWithout, report.accuracy);
		assert.equal(report.knnBaseline.status, 'missing');
		assert.ok(report.knnBaseline.note.includes(cache), report.knnBaseline.note);

		const image = path.join(
			data,
			'circle',
			fs
				.readdirSync(path.join(data, 'circle'))
				.sort()
				.find((f) => !f.startsWith('broken'))!,
		);
		const heatmaps = path.join(dir, 'heatmaps');
		const classified = run(
			'classify',
			model,
			image,
			image,
			'--grad-cam',
			'--grad-cam-dir',
			heatmaps,
			'--tta',
		);
		assert.equal(classified.code, 0, classified.stderr);
		const [first, second] = JSON.parse(classified.stdout);
		const stem = path.basename(image).replace(/\.[^.]*$/, '');
		assert.equal(first.gradCam, path.join(heatmaps, `${stem}.gradcam.png`));
		assert.equal(
			second.gradCam,
			path.join(heatmaps, `${stem}-2.gradcam.png`),
			'a name used twice gets the position',
		);
		assert.equal(fs.readFileSync(first.gradCam).subarray(1, 4).toString(), 'PNG');
		assert.equal(first.label, second.label);
	});

	it('refuses --top-k 0 the same way in evaluate and classify, naming the flag, before loading the model', () => {
		const evaluated = run('evaluate', model, data, '--top-k', '0');
		const classified = run('classify', model, 'x.jpg', '--top-k', '0');
		for (const { code, stderr } of [evaluated, classified]) {
			assert.equal(code, 1);
			assert.equal(
				stderr.trim(),
				'error: Invalid parameter "--top-k": must be between 1 and 1000, got 0',
			);
		}
	});

	it('exits non-zero with a one-line error naming what is wrong', () => {
		const cases: [string[], RegExp][] = [
			[['train', data, '--out', model, '--epochs', '500'], /epochs.*between 1 and 50/],
			[['train', data, '--out', model, '--lr', 'fast'], /--lr must be a number/],
			[['train', data, '--out', model, '--optimizer', 'rmsprop'], /--optimizer.*one of adam/],
			[['dataset', data, '--val-split', '0.7'], /--val-split.*between 0 and 0.5/],
			[['train', path.join(dir, 'missing'), '--out', model], /missing/],
			[['classify', path.join(dir, 'nothing.safetensors'), 'x.jpg'], /nothing\.safetensors/],
			[['classify', path.join(data, 'circle', 'broken.jpg'), 'x.jpg'], /broken\.jpg/],
			// Where the native engine is installed, asking for it is no error.
			...(nativeInstalled()
				? []
				: [
						[
							['train', data, '--out', model, '--backend', 'cpu-native'],
							/@tensorflow\/tfjs-node/,
						] as [string[], RegExp],
					]),
			[['frobnicate'], /unknown command/],
		];
		for (const [args, message] of cases) {
			const { code, stderr } = run(...args);
			assert.notEqual(code, 0, args.join(' '));
			assert.match(stderr, message, args.join(' '));
			assert.ok(
				stderr
					.trim()
					.split('\n')
					// TensorFlow's own startup lines (native engine) are not ours and say "errors" in passing.
					.filter((l) => /error/i.test(l) && !isTensorFlowStartupLine(l)).length === 1,
				`one error line for ${args.join(' ')}: ${stderr}`,
			);
		}
	});

	it('hostile values of every kind are refused up front: exit 1, one "error:" line naming the flag, no stack', () => {
		const aFile = path.join(dir, 'a-file');
		fs.writeFileSync(aFile, 'x');
		const fresh = path.join(dir, 'never-written.safetensors');
		const cases: [string[], string][] = [
			[['dataset', data, '--max-megapixels', '0'], '--max-megapixels'],
			[['dataset', data, '--max-megapixels', '-1'], '--max-megapixels'],
			[['dataset', data, '--val-split', 'NaN'], '--val-split'],
			[['evaluate', model, data, '--batch-size', '0'], '--batch-size'],
			[['evaluate', model, data, '--batch-size', String(2 ** 53)], '--batch-size'],
			[['evaluate', model, data, '--top-k', '0'], '--top-k'],
			[['evaluate', model, data, '--top-k', '1e309'], '--top-k'],
			[['classify', model, 'x.jpg', '--batch-size', ''], '--batch-size'],
			[['classify', model, 'x.jpg', '--batch-size', 'abc'], '--batch-size'],
			[['classify', model, 'x.jpg', '--threshold', '-1'], '--threshold'],
			[['classify', '', 'x.jpg'], '"model"'],
			[['train', data, '--out', fresh, '--batch-size', '0'], '--batch-size'],
			[['train', data, '--out', fresh, '--epochs', String(2 ** 53)], '--epochs'],
			[['train', data, '--out', fresh, '--lr', '1e309'], '--lr'],
			[['train', data, '--out', fresh, '--seed', '-1'], '--seed'],
			[['train', data, '--out', fresh, '--image-size', '0'], '--image-size'],
			[['train', data, '--out', fresh, '--warmup', 'NaN'], '--warmup'],
			[['train', data, '--out', fresh, '--label-smoothing', ''], '--label-smoothing'],
			[['train', data, '--out', fresh, '--fine-tune', '0'], '--fine-tune'],
			[['train', data, '--out', fresh, '--weights', ''], '--weights'],
			// The output is checked before any image is read or any epoch trained.
			[['train', data, '--out', ''], '--out'],
			[['train', data, '--out', dir], '--out'],
			[['train', data, '--out', path.join(aFile, 'model.safetensors')], '--out'],
			[['export-onnx', model, '--out', ''], '--out'],
			[['export-onnx', model, '--out', dir], '--out'],
			[['export-onnx', model, '--out', path.join(aFile, 'model.onnx')], '--out'],
		];
		for (const [args, flag] of cases) {
			const { code, stderr } = run(...args);
			const what = `${args.join(' ')} → ${stderr}`;
			assert.equal(code, 1, what);
			const errors = stderr.split('\n').filter((l) => l.startsWith('error:'));
			assert.equal(errors.length, 1, what);
			assert.ok(errors[0].includes(flag), what);
			assert.doesNotMatch(stderr, /^\s+at |TypeError|RangeError|Maximum call stack/m, what);
		}
		assert.equal(fs.existsSync(fresh), false);
		// A run that diverges (starting weights at float32's edge: the first loss is NaN) fails and writes nothing.
		const start = ResNet18.initialize(2, 1);
		const state = start.toStateDict();
		start.dispose();
		for (const name of ['conv1.weight', 'fc.weight'])
			(state.get(name)!.data as Float32Array).fill(3e38);
		const huge = path.join(dir, 'huge.safetensors');
		fs.writeFileSync(huge, writeSafetensors(state));
		const diverged = run(
			...['train', data, '--out', fresh, '--weights', huge, '--fine-tune', 'head'],
			...['--epochs', '1', '--batch-size', '4', '--image-size', '32', '--backend', 'wasm'],
		);
		assert.equal(diverged.code, 1, diverged.stderr);
		assert.match(
			diverged.stderr,
			/^error: Training diverged: the loss of epoch 1, batch 1 is NaN; no model was written/m,
		);
		assert.equal(fs.existsSync(fresh), false);
	});
});
