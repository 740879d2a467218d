import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../lib/compute/backend';
import { deserializeModel, serializeModel } from '../lib/model-file/model-file';
import { float16ToFloat32, float32ToFloat16 } from '../lib/weights/float-formats';
import { readSafetensors } from '../lib/weights/safetensors';
import { tempDir } from './support/temp';
import { untrainedModelBytes } from './support/untrained-model';

const CLI = path.join(__dirname, '../lib/cli/main.js');
const CLASSES = ['bolt', 'nut', 'washer'];

/** Issue 14: float16 model files, half the bytes of float32, loading back as float32 everywhere. */
describe('float16 safetensors', () => {
	it('rounds every binary16 value to itself, and float32 values to the nearest binary16, ties to even', () => {
		for (let h = 0; h < 0x10000; h++) {
			const f = float16ToFloat32(h);
			if (Number.isNaN(f)) assert.ok(Number.isNaN(float16ToFloat32(float32ToFloat16(f))));
			else assert.equal(float32ToFloat16(f), h, `0x${h.toString(16)} (${f})`);
		}
		// 1 + 2⁻¹¹ lies halfway between 1 and the next half (1 + 2⁻¹⁰): ties go to the even mantissa, 1.
		assert.equal(float32ToFloat16(1 + 2 ** -11), 0x3c00);
		// 1 + 3·2⁻¹¹ lies halfway between 1 + 2⁻¹⁰ (odd) and 1 + 2·2⁻¹⁰ (even).
		assert.equal(float32ToFloat16(1 + 3 * 2 ** -11), 0x3c02);
		assert.equal(float32ToFloat16(65520), 0x7c00, 'past the largest half: infinity');
		assert.equal(float32ToFloat16(65519), 0x7bff, 'just under the overflow point: 65504');
		assert.equal(float32ToFloat16(2 ** -25), 0, 'half the smallest subnormal ties to 0');
		assert.equal(float32ToFloat16(1.5 * 2 ** -25), 1, 'above it: the smallest subnormal');
		assert.equal(float32ToFloat16(-0), 0x8000);
	});

	it('writes half the bytes, with F16 tensors and precision "float16", and loads back within binary16 rounding', async () => {
		await useBackend('wasm');
		const float32 = deserializeModel(untrainedModelBytes(CLASSES, 5), 'float32 model');
		const half = serializeModel(float32, 'float16');
		const full = serializeModel(float32);
		assert.ok(
			Math.abs(half.byteLength / full.byteLength - 0.5) < 0.01,
			`${half.byteLength} vs ${full.byteLength} bytes`,
		);
		const { tensors, metadata } = readSafetensors(half, 'half');
		assert.equal(metadata.precision, 'float16');
		const header = JSON.parse(
			half.subarray(8, 8 + Number(half.readBigUInt64LE(0))).toString('utf8'),
		) as Record<string, { dtype: string }>;
		assert.equal(header['conv1.weight'].dtype, 'F16');
		assert.equal(header['bn1.num_batches_tracked'].dtype, 'I64', 'counters stay integers');

		const original = float32.network.toStateDict();
		let worst = 0;
		for (const [name, tensor] of tensors) {
			const before = original.get(name)!;
			if (tensor.dtype !== 'float32' || before.dtype !== 'float32') continue;
			for (let i = 0; i < tensor.data.length; i++) {
				const x = before.data[i];
				// Relative 2⁻¹¹ for normal halves; absolute 2⁻²⁵ below them (subnormal spacing is 2⁻²⁴).
				const error = Math.abs(tensor.data[i] - x);
				worst = Math.max(worst, error / Math.max(Math.abs(x), 2 ** -14));
			}
		}
		assert.ok(worst <= 2 ** -11, `worst relative rounding error ${worst}`);

		const loaded = deserializeModel(half, 'half.safetensors');
		assert.equal(loaded.metadata.precision, 'float16');
		assert.deepEqual(loaded.metadata.classes, CLASSES);
		// Saved again as float32, the file says nothing of float16.
		const again = readSafetensors(serializeModel(loaded), 'again');
		assert.equal(again.metadata.precision, undefined);
		loaded.network.dispose();
		float32.network.dispose();
	});

	it('resnet18 export-float16 writes the file and reports its size; an --out that is a folder is refused, naming it', () => {
		const dir = tempDir('resnet18-f16-cli-');
		const model = path.join(dir, 'model.safetensors');
		fs.writeFileSync(model, untrainedModelBytes(CLASSES, 6));
		const out = path.join(dir, 'model.float16.safetensors');
		const env = { ...process.env, RESNET18_BACKEND: process.env.RESNET18_TEST_BACKEND ?? 'wasm' };
		const run = spawnSync(process.execPath, [CLI, 'export-float16', model, '--out', out], {
			encoding: 'utf8',
			env,
			timeout: 120_000,
		});
		assert.equal(run.status, 0, run.stderr);
		const report = JSON.parse(run.stdout) as { precision: string; bytes: number };
		assert.equal(report.precision, 'float16');
		assert.equal(fs.statSync(out).size, report.bytes);
		assert.ok(report.bytes < fs.statSync(model).size * 0.51);

		const bad = spawnSync(process.execPath, [CLI, 'export-float16', model, '--out', dir], {
			encoding: 'utf8',
			env,
			timeout: 120_000,
		});
		assert.notEqual(bad.status, 0);
		assert.match(bad.stderr, /--out.*is a folder/);
	});
});
