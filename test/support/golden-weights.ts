import { resnet18TensorSpecs } from '../../lib/model/architecture';
import type { StateDict } from '../../lib/weights/host-tensor';

/**
 * The deterministic weights of test/fixtures/make_golden.py, rebuilt value for value: each element is a hash of its
 * flat index in torch's layout. Keep in step with `hash_unit`/`scale_offset` there.
 */
export function hashUnit(index: number, seed: number): number {
	let h = (Math.imul(index + 1, 0x9e3779b1) + Math.imul(seed, 40503)) >>> 0;
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b) >>> 0;
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35) >>> 0;
	h = (h ^ (h >>> 16)) >>> 0;
	return h / 4294967296 - 0.5;
}

export function fill(count: number, seed: number, scale: number, offset: number): Float32Array {
	const out = new Float32Array(count);
	for (let i = 0; i < count; i++) out[i] = hashUnit(i, seed) * scale + offset;
	return out;
}

function scaleOffset(name: string, shape: readonly number[]): [number, number] {
	if (name.endsWith('running_mean')) return [0.2, 0];
	if (name.endsWith('running_var')) return [0.8, 1];
	if (name.startsWith('fc.')) return [2 / Math.sqrt(512), 0];
	if (shape.length === 4) return [2 * Math.sqrt(6 / (shape[1] * shape[2] * shape[3])), 0];
	if (name.endsWith('weight')) return [0.4, 1];
	return [0.4, 0];
}

export function goldenStateDict(numClasses: number): StateDict {
	const state: StateDict = new Map();
	resnet18TensorSpecs(numClasses).forEach((spec, seed) => {
		if (spec.role === 'bn.num_batches_tracked') {
			state.set(spec.name, { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(seed)) });
			return;
		}
		const [scale, offset] = scaleOffset(spec.name, spec.shape);
		const count = spec.shape.reduce((a, b) => a * b, 1);
		state.set(spec.name, {
			dtype: 'float32',
			shape: [...spec.shape],
			data: fill(count, seed, scale, offset),
		});
	});
	return state;
}

/** The fixture's NCHW input, as the NHWC data tfjs takes. */
export function goldenInputNHWC(
	shape: readonly number[],
	seed: number,
): { data: Float32Array; shape: [number, number, number, number] } {
	const [n, c, h, w] = shape;
	const nchw = fill(n * c * h * w, seed, 4, 0);
	const nhwc = new Float32Array(nchw.length);
	for (let b = 0; b < n; b++)
		for (let ch = 0; ch < c; ch++)
			for (let y = 0; y < h; y++)
				for (let x = 0; x < w; x++)
					nhwc[((b * h + y) * w + x) * c + ch] = nchw[((b * c + ch) * h + y) * w + x];
	return { data: nhwc, shape: [n, h, w, c] };
}
