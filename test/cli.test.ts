import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeSyntheticDataset } from '../lib/data/synthetic';
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
		assert.match(viaTfjs.stderr, /Inference engine: TensorFlow\.js \(turned off/);
		const [tfjsPrediction] = JSON.parse(viaTfjs.stdout);
		assert.equal(tfjsPrediction.label, prediction.label, 'both engines agree on the label');
		assert.ok(Math.abs(tfjsPrediction.confidence - prediction.confidence) < 1e-4);

		const onnxFile = path.join(dir, 'model.onnx');
		const exported = run('export-onnx', model, '--out', onnxFile);
		assert.equal(exported.code, 0, exported.stderr);
		assert.deepEqual(JSON.parse(exported.stdout).input, ['batch', 3, 32, 32]);
		assert.ok(fs.statSync(onnxFile).size > 40_000_000);
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
});
