/**
 * float32 against int8 ONNX in ONNX Runtime on this CPU, 2 threads: `benchOnnxInt8(size, batch)` for a row of `npm
 * run bench`, or `node dist/bench/engines/onnx-int8.js` for batch 1 and BENCH_BATCH (8) at BENCH_SIZE (224) as JSON.
 * Self-contained: seeded weights with trained-looking BN statistics, synthetic smooth calibration images; no tfjs.
 */
import { IMAGENET_NORMALIZATION } from '../../lib/data/normalization';
import { createRng } from '../../lib/data/random';
import { imagesToNchw, onnxRuntime } from '../../lib/infer/onnx-runtime';
import { resnet18TensorSpecs } from '../../lib/model/architecture';
import { calibrate } from '../../lib/onnx/calibrate';
import { exportOnnx } from '../../lib/onnx/export';
import { exportOnnxInt8 } from '../../lib/onnx/quantize';
import type { StateDict } from '../../lib/weights/host-tensor';
import { readSafetensors, writeSafetensors } from '../../lib/weights/safetensors';
import { benchMetadata } from './metadata';
import { timed } from './figures';

export interface OnnxInt8Figures {
	readonly batch: number;
	/** Milliseconds per image at this batch. */
	float32Ms: number;
	int8Ms: number;
	/** The float16 safetensors file's weights (rounded to binary16) run as a float32 graph: what loading one gives. */
	float16Ms: number;
	float32Bytes: number;
	int8Bytes: number;
	/** safetensors model files: float32 and float16. */
	float32FileBytes: number;
	float16FileBytes: number;
}

const THREADS = 2;

/** float32 and int8 graphs of the same seeded weights, built once, timed at each batch size. */
export async function benchOnnxInt8(
	size: number,
	batches: readonly number[],
): Promise<OnnxInt8Figures[]> {
	const runtime = onnxRuntime();
	if (typeof runtime === 'string') throw new Error(runtime);
	const state = seededStateDict(10, 1);
	const metadata = benchMetadata(size);
	const calibration = Array.from({ length: 4 }, (_, i) => smoothImages(2, size, 100 + i));
	const ranges = await calibrate(state, size, calibration, { threads: THREADS });
	const float32 = exportOnnx(state, metadata);
	const int8 = exportOnnxInt8(state, metadata, ranges);
	const float16File = writeSafetensors(state, {}, 'F16');
	const float16 = exportOnnx(readSafetensors(float16File, 'float16').tensors, metadata);
	const float32FileBytes = writeSafetensors(state).byteLength;
	const msPerImage = async (model: Uint8Array, batch: number): Promise<number> => {
		const input = imagesToNchw(smoothImages(batch, size, 7), batch, size);
		const session = await runtime.InferenceSession.create(model, {
			graphOptimizationLevel: 'all',
			intraOpNumThreads: THREADS,
			interOpNumThreads: 1,
			executionMode: 'sequential',
		});
		try {
			const feeds = { input: new runtime.Tensor('float32', input, [batch, 3, size, size]) };
			const run = async () => void (await session.run(feeds, ['probabilities']));
			return (await timed(run, batch === 1 ? 12 : 3)) / batch;
		} finally {
			await session.release();
		}
	};
	const figures: OnnxInt8Figures[] = [];
	for (const batch of batches) {
		// Interleaved, so that a change in the host's load falls on both.
		const f1 = await msPerImage(float32, batch);
		const i1 = await msPerImage(int8, batch);
		const h1 = await msPerImage(float16, batch);
		const f2 = await msPerImage(float32, batch);
		const i2 = await msPerImage(int8, batch);
		const h2 = await msPerImage(float16, batch);
		figures.push({
			batch,
			float32Ms: Math.min(f1, f2),
			int8Ms: Math.min(i1, i2),
			float16Ms: Math.min(h1, h2),
			float32Bytes: float32.byteLength,
			int8Bytes: int8.byteLength,
			float32FileBytes,
			float16FileBytes: float16File.byteLength,
		});
	}
	return figures;
}

/** Kaiming-uniform convolutions and classifier, BN statistics of a trained network's magnitude. */
export function seededStateDict(classes: number, seed: number): StateDict {
	const rng = createRng(seed);
	const uniform = (n: number, lo: number, hi: number) =>
		Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
	const state: StateDict = new Map();
	for (const spec of resnet18TensorSpecs(classes)) {
		const n = spec.shape.reduce((a, b) => a * b, 1);
		const put = (data: Float32Array) =>
			state.set(spec.name, { dtype: 'float32', shape: spec.shape, data });
		switch (spec.role) {
			case 'conv':
			case 'fc.weight': {
				const bound = Math.sqrt(6 / spec.shape.slice(1).reduce((a, b) => a * b, 1));
				put(uniform(n, -bound, bound));
				break;
			}
			case 'bn.weight':
				put(uniform(n, 0.2, 1));
				break;
			case 'bn.bias':
			case 'bn.running_mean':
			case 'fc.bias':
				put(uniform(n, -0.2, 0.2));
				break;
			case 'bn.running_var':
				put(uniform(n, 0.5, 2));
				break;
			case 'bn.num_batches_tracked':
				state.set(spec.name, { dtype: 'int64', shape: [], data: BigInt64Array.of(1n) });
				break;
		}
	}
	return state;
}

/** NHWC images of a few random low-frequency waves in [0, 1], normalised as the decoder does (ImageNet statistics). */
export function smoothImages(n: number, size: number, seed: number): Float32Array {
	const rng = createRng(seed);
	const out = new Float32Array(n * size * size * 3);
	const { mean, std } = IMAGENET_NORMALIZATION;
	for (let b = 0; b < n; b++) {
		const waves = Array.from({ length: 3 }, () =>
			Array.from({ length: 3 }, () => ({
				fx: (rng.next() * 6) / size,
				fy: (rng.next() * 6) / size,
				phase: rng.next() * 6.28,
			})),
		);
		for (let y = 0; y < size; y++)
			for (let x = 0; x < size; x++)
				for (let c = 0; c < 3; c++) {
					let v = 0;
					for (const w of waves[c]) v += Math.sin(6.28 * (w.fx * x + w.fy * y) + w.phase);
					const pixel = 0.5 + v / 6;
					out[((b * size + y) * size + x) * 3 + c] = (pixel - mean[c]) / std[c];
				}
	}
	return out;
}

if (require.main === module) {
	const size = Number(process.env.BENCH_SIZE ?? 224);
	const batch = Number(process.env.BENCH_BATCH ?? 8);
	void (async () => {
		const rows = await benchOnnxInt8(size, [1, batch]);
		process.stdout.write(`${JSON.stringify(rows.map((row) => ({ size, ...row })))}\n`);
	})().catch((error: unknown) => {
		process.stderr.write(
			`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
		);
		process.exitCode = 1;
	});
}
