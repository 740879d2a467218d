import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { onnxRuntime } from '../lib/infer/onnx-runtime';
import { tempDir } from './support/temp';
import { untrainedModelBytes } from './support/untrained-model';

const CLI = path.join(__dirname, '../lib/cli/main.js');
const CALIBRATION = path.join(__dirname, '../../test/fixtures/fashion-mnist-300/val');
const CLASSES = fs.readdirSync(CALIBRATION).sort();

function cli(args: string[]) {
	return spawnSync(process.execPath, [CLI, ...args], {
		encoding: 'utf8',
		env: { ...process.env, RESNET18_BACKEND: process.env.RESNET18_TEST_BACKEND ?? 'wasm' },
		timeout: 120_000,
	});
}

const withOrt = typeof onnxRuntime() === 'string' ? describe.skip : describe;

withOrt('resnet18 export-onnx --int8 --calibration <folder>', () => {
	it('writes a calibrated int8 graph under 12.0e6 bytes that records its precision and preprocessing', () => {
		const dir = tempDir('resnet18-int8-cli-');
		const model = path.join(dir, 'model.safetensors');
		fs.writeFileSync(model, untrainedModelBytes(CLASSES, 4));
		const out = path.join(dir, 'model.int8.onnx');
		const run = cli([
			'export-onnx',
			model,
			'--int8',
			'--calibration',
			CALIBRATION,
			'--calibration-images',
			'16',
			'--out',
			out,
		]);
		assert.equal(run.status, 0, run.stderr);
		const report = JSON.parse(run.stdout) as { precision: string; bytes: number };
		assert.equal(report.precision, 'int8');
		assert.equal(fs.statSync(out).size, report.bytes);
		assert.ok(report.bytes <= 12.0e6, `${report.bytes} bytes`);
		const proto = onnx.ModelProto.decode(fs.readFileSync(out));
		const props = new Map(proto.metadataProps.map((p) => [p.key, p.value]));
		assert.equal(props.get('precision'), 'int8');
		assert.equal(props.get('preprocessing'), 'torchvision/1');
		assert.ok(proto.graph!.node!.some((n) => n.opType === 'QuantizeLinear'));
	});

	it('refuses --int8 without --calibration, naming the option, and writes nothing', () => {
		const dir = tempDir('resnet18-int8-cli-');
		const model = path.join(dir, 'model.safetensors');
		fs.writeFileSync(model, untrainedModelBytes(CLASSES, 4));
		const out = path.join(dir, 'x.onnx');
		const run = cli(['export-onnx', model, '--int8', '--out', out]);
		assert.notEqual(run.status, 0);
		assert.match(run.stderr, /--calibration/);
		assert.equal(fs.existsSync(out), false);
	});
});
