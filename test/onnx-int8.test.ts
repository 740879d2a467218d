import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { createRng } from '../lib/data/random';
import { InvalidParameterError } from '../lib/errors';
import { onnxRuntime } from '../lib/infer/onnx-runtime';
import { MODEL_FORMAT, type ModelMetadata } from '../lib/model-file/metadata';
import { ResNet18 } from '../lib/model/resnet18';
import {
	calibrate,
	calibrationGraph,
	quantizationPoints,
	type CalibrationRanges,
} from '../lib/onnx/calibrate';
import { exportOnnx } from '../lib/onnx/export';
import { activationParams, exportOnnxInt8, quantizeWeights } from '../lib/onnx/quantize';
import type { StateDict } from '../lib/weights/host-tensor';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';
import { CURRENT_PREPROCESSING } from '../lib/data/preprocessing';

type Ort = Exclude<ReturnType<typeof onnxRuntime>, string>;

function metadataFor(classes: number, size: number): ModelMetadata {
	return {
		format: MODEL_FORMAT,
		architecture: 'resnet18',
		classes: Array.from({ length: classes }, (_, i) => `c${i}`),
		inputSize: size,
		resizeSize: size,
		preprocessing: CURRENT_PREPROCESSING,
		normalization: IMAGENET_NORMALIZATION,
		packageVersion: 'test',
		createdAt: 'now',
	};
}

/** NHWC images of random low-frequency colour waves in [0, 1], normalised as the decoder does. */
function smoothImages(n: number, size: number, seed: number): Float32Array {
	const rng = createRng(seed);
	const out = new Float32Array(n * size * size * 3);
	const { mean, std } = IMAGENET_NORMALIZATION;
	for (let b = 0; b < n; b++) {
		const waves = Array.from({ length: 9 }, () => ({
			fx: (rng.next() * 6) / size,
			fy: (rng.next() * 6) / size,
			phase: rng.next() * 6.28,
		}));
		for (let p = 0; p < size * size; p++)
			for (let c = 0; c < 3; c++) {
				let v = 0;
				for (const w of waves.slice(c * 3, c * 3 + 3))
					v += Math.sin(6.28 * (w.fx * (p % size) + w.fy * Math.floor(p / size)) + w.phase);
				out[(b * size * size + p) * 3 + c] = (0.5 + v / 6 - mean[c]) / std[c];
			}
	}
	return out;
}

function nchw(nhwc: Float32Array, size: number): Float32Array {
	const plane = size * size;
	const out = new Float32Array(nhwc.length);
	for (let i = 0; i < nhwc.length; i++) {
		const c = i % 3;
		const p = Math.floor(i / 3) % plane;
		const b = Math.floor(i / (3 * plane));
		out[(b * 3 + c) * plane + p] = nhwc[i];
	}
	return out;
}

async function run(
	ort: Ort,
	model: Uint8Array,
	nhwc: Float32Array,
	size: number,
	output: string,
	options: Record<string, unknown> = {},
): Promise<Float32Array> {
	const session = await ort.InferenceSession.create(model, {
		graphOptimizationLevel: 'all',
		intraOpNumThreads: 2,
		...options,
	});
	try {
		const n = nhwc.length / (size * size * 3);
		const result = await session.run(
			{ input: new ort.Tensor('float32', nchw(nhwc, size), [n, 3, size, size]) },
			[output],
		);
		return Float32Array.from(result[output].data);
	} finally {
		await session.release();
	}
}

/** A seeded network (real tfjs initialisation) with trained-looking BN statistics, so folding is not the identity. */
function seededState(classes: number, seed: number): StateDict {
	const network = ResNet18.initialize(classes, seed);
	const state = network.toStateDict();
	network.dispose();
	const rng = createRng(seed);
	for (const [name, tensor] of state) {
		const data = tensor.data as Float32Array;
		if (name.endsWith('running_mean'))
			for (let i = 0; i < data.length; i++) data[i] = rng.next() * 0.4 - 0.2;
		else if (name.endsWith('running_var') || /bn\d\.weight$|downsample\.1\.weight$/.test(name))
			for (let i = 0; i < data.length; i++) data[i] = 0.5 + rng.next();
		else if (/bn\d\.bias$|downsample\.1\.bias$/.test(name))
			for (let i = 0; i < data.length; i++) data[i] = rng.next() * 0.4 - 0.2;
	}
	return state;
}

function argmax(row: Float32Array): number {
	return row.reduce((best, v, j, all) => (v > all[best] ? j : best), 0);
}

const ort = onnxRuntime();

describe('int8 ONNX export (static QDQ quantization), run by ONNX Runtime', () => {
	const size = 64;
	const classes = 5;
	let state: StateDict;
	let ranges: CalibrationRanges;

	beforeAll(async () => {
		await testBackend();
		state = seededState(classes, 21);
		const batches = [1, 2, 3, 4].map((seed) => smoothImages(6, size, seed));
		ranges = await calibrate(state, size, batches, { threads: 2 });
	});

	it('has onnxruntime-node (a devDependency)', () => {
		assert.notEqual(typeof ort, 'string', String(ort));
	});

	it('calibrates every quantization point with a range holding 0, post-ReLU ones from 0', () => {
		assert.deepEqual([...ranges.keys()].sort(), quantizationPoints().sort());
		for (const [point, range] of ranges) {
			assert.ok(
				range.min <= 0 && range.max >= 0 && range.max > range.min,
				`${point}: ${JSON.stringify(range)}`,
			);
			if (
				point.endsWith('.conv1') ||
				point.endsWith('.add') ||
				point === 'conv1' ||
				point === 'avgpool'
			)
				assert.equal(range.min, 0, `${point} follows a ReLU`);
		}
		// conv2 and the downsample are not followed by ReLU: their ranges are signed.
		assert.ok(ranges.get('layer1.0.conv2')!.min < 0);
		assert.ok(ranges.get('layer2.0.downsample.0')!.min < 0);
	});

	it('folds BN exactly: the calibration graph gives the float export’s logits within 1e-4 (relative)', async () => {
		const runtime = ort as Ort;
		const images = smoothImages(4, size, 99);
		const reference = await run(
			runtime,
			exportOnnx(state, metadataFor(classes, size)),
			images,
			size,
			'logits',
		);
		const folded = await run(runtime, calibrationGraph(state, size), images, size, 'logits');
		const scale = Math.max(...reference.map(Math.abs));
		for (let i = 0; i < reference.length; i++)
			assert.ok(
				Math.abs(folded[i] - reference[i]) <= 1e-4 * scale,
				`logit ${i}: ${folded[i]} vs ${reference[i]}`,
			);
	});

	it('agrees with the float ONNX on top-1 for calibration-like images, logits within 5% of their spread', async () => {
		const runtime = ort as Ort;
		const metadata = metadataFor(classes, size);
		const images = smoothImages(32, size, 1000);
		const float = await run(runtime, exportOnnx(state, metadata), images, size, 'logits');
		const int8 = await run(
			runtime,
			exportOnnxInt8(state, metadata, ranges),
			images,
			size,
			'logits',
		);
		let worst = 0;
		let agree = 0;
		let spread = 0;
		// The widest float top-1 margin among the images whose top-1 differs: only near-ties may flip.
		let tieMargin = 0;
		for (let row = 0; row < 32; row++) {
			const f = float.subarray(row * classes, (row + 1) * classes);
			const q = int8.subarray(row * classes, (row + 1) * classes);
			spread = Math.max(spread, Math.max(...f) - Math.min(...f));
			for (let j = 0; j < classes; j++) worst = Math.max(worst, Math.abs(f[j] - q[j]));
			if (argmax(f) === argmax(q)) agree++;
			else {
				const sorted = [...f].sort((a, b) => b - a);
				tieMargin = Math.max(tieMargin, sorted[0] - sorted[1]);
			}
		}
		process.stdout.write(
			`int8 vs float: top-1 ${agree}/32, max |Δlogit| ${worst} (logit spread ${spread}), flipped margin ≤ ${tieMargin}\n`,
		);
		assert.ok(tieMargin <= 2 * worst, `a top-1 with margin ${tieMargin} > 2·${worst} flipped`);
		assert.ok(worst <= 0.05 * spread, `max |Δlogit| ${worst}, spread ${spread}`);
		assert.ok(agree >= 31, `top-1 agreement ${agree}/32`);
	});

	it('runs as int8 kernels: ORT’s optimized graph has 20 QLinearConv and no float Conv', async () => {
		const runtime = ort as Ort;
		const file = path.join(tempDir(), 'optimized.onnx');
		const model = exportOnnxInt8(state, metadataFor(classes, size), ranges);
		await run(runtime, model, smoothImages(1, size, 5), size, 'probabilities', {
			optimizedModelFilePath: file,
		});
		const optimized = onnx.ModelProto.decode(fs.readFileSync(file));
		const count = new Map<string, number>();
		for (const node of optimized.graph!.node!)
			count.set(node.opType!, (count.get(node.opType!) ?? 0) + 1);
		const summary = JSON.stringify(Object.fromEntries(count));
		assert.equal(count.get('QLinearConv'), 20, summary);
		for (const float of ['Conv', 'FusedConv', 'ConvInteger', 'Relu'])
			assert.equal(count.get(float) ?? 0, 0, `${float} left: ${summary}`);
		assert.equal(count.get('QLinearAdd'), 8, summary);
		assert.equal(count.get('QLinearGlobalAveragePool'), 1, summary);
	});

	it('keeps exportOnnx’s inputs, outputs and metadata, with precision int8', () => {
		const metadata = metadataFor(classes, size);
		const float = onnx.ModelProto.decode(exportOnnx(state, metadata));
		const int8 = onnx.ModelProto.decode(exportOnnxInt8(state, metadata, ranges));
		const io = (m: onnx.ModelProto) =>
			JSON.stringify(
				[m.graph!.input, m.graph!.output].map((v) =>
					v!.map((x) => onnx.ValueInfoProto.toObject(x as onnx.ValueInfoProto)),
				),
			);
		assert.equal(io(int8), io(float));
		const props = Object.fromEntries(int8.metadataProps.map((p) => [p.key, p.value]));
		assert.equal(props.precision, 'int8');
		for (const p of float.metadataProps) assert.equal(props[p.key!], p.value);
		assert.equal(String(int8.opsetImport[0].version), '13');
	});

	it('writes a 10-class model in at most 12.0e6 bytes', () => {
		const ten = seededState(10, 3);
		const anyRanges = new Map(quantizationPoints().map((p) => [p, { min: -1, max: 4 }]));
		const bytes = exportOnnxInt8(ten, metadataFor(10, 224), anyRanges).byteLength;
		process.stdout.write(`10-class int8 model: ${bytes} bytes\n`);
		assert.ok(bytes <= 12.0e6, `${bytes} bytes`);
	});

	it('gives finite outputs for an all-zero weight channel and a tensor that is 0 on every calibration image', async () => {
		const runtime = ort as Ort;
		const degenerate = seededState(classes, 8);
		// Channel 0 of layer1.0.conv1: all-zero weights (a pruned filter).
		(degenerate.get('layer1.0.conv1.weight')!.data as Float32Array).fill(0, 0, 64 * 9);
		// layer4.1.bn1 with γ = 0 and β < 0: after its ReLU, layer4.1.conv1's output is 0 everywhere.
		(degenerate.get('layer4.1.bn1.weight')!.data as Float32Array).fill(0);
		(degenerate.get('layer4.1.bn1.bias')!.data as Float32Array).fill(-1);
		const calibrated = await calibrate(degenerate, size, [smoothImages(4, size, 2)], {
			threads: 2,
		});
		assert.deepEqual(calibrated.get('layer4.1.conv1'), { min: 0, max: 0 });
		const images = smoothImages(4, size, 3);
		const model = exportOnnxInt8(degenerate, metadataFor(classes, size), calibrated);
		for (const output of ['logits', 'probabilities', 'features']) {
			const values = await run(runtime, model, images, size, output);
			assert.ok(values.every(Number.isFinite), `${output} has a non-finite value`);
		}
		assert.deepEqual(activationParams(0, 0), { scale: 1, zeroPoint: 0 });
		const zero = quantizeWeights(new Float32Array(8), 2, Float32Array.of(0.5, 0), 0.02);
		assert.ok([...zero.scales, ...zero.biasScales].every((s) => Number.isFinite(s) && s > 0));
		assert.ok(
			Math.abs(zero.bias[0] * zero.biasScales[0] - 0.5) < 1e-6,
			'a bias beside zero weights survives',
		);
	});

	it('refuses calibration without images with a typed error', async () => {
		await assert.rejects(calibrate(state, size, []), InvalidParameterError);
		await assert.rejects(calibrate(state, size, [new Float32Array(0)]), InvalidParameterError);
		await assert.rejects(calibrate(state, size, [new Float32Array(5)]), InvalidParameterError);
	});
});
