import { BLOCKS, BN_EPS, STEM, type ConvSpec } from '../model/architecture';
import { WeightsError } from '../errors';
import type { StateDict } from '../weights/host-tensor';

/**
 * A convolution with its BatchNorm folded in, as inference sees it: y = conv(x, w') + b'. Quantization works on these
 * weights (a BN scale per channel would otherwise multiply the weight's quantization error after the fact).
 */
export interface FoldedConv {
	readonly conv: string;
	/** OIHW, torch's layout. */
	readonly shape: readonly [number, number, number, number];
	readonly weight: Float32Array;
	readonly bias: Float32Array;
	readonly stride: number;
	readonly padding: number;
}

/**
 * w' = w·γ/√(var+eps), b' = β − mean·γ/√(var+eps), per output channel, in float64: the float32 products differ from
 * torch's own folding by at most one rounding, not by a cancellation in β − mean·scale.
 */
export function foldConv(state: StateDict, spec: ConvSpec): FoldedConv {
	const weight = floats(state, `${spec.conv}.weight`);
	const gamma = floats(state, `${spec.bn}.weight`);
	const beta = floats(state, `${spec.bn}.bias`);
	const mean = floats(state, `${spec.bn}.running_mean`);
	const variance = floats(state, `${spec.bn}.running_var`);
	const [o, i, kh, kw] = state.get(`${spec.conv}.weight`)!.shape;
	const perChannel = i * kh * kw;
	const folded = new Float32Array(weight.length);
	const bias = new Float32Array(o);
	for (let c = 0; c < o; c++) {
		const scale = gamma[c] / Math.sqrt(variance[c] + BN_EPS);
		bias[c] = beta[c] - mean[c] * scale;
		for (let j = c * perChannel; j < (c + 1) * perChannel; j++) folded[j] = weight[j] * scale;
	}
	return {
		conv: spec.conv,
		shape: [o, i, kh, kw],
		weight: folded,
		bias,
		stride: spec.stride,
		padding: spec.padding,
	};
}

/** Every convolution of the network, BN folded, keyed by its torchvision name (`layer1.0.conv1`). */
export function foldBatchNorms(state: StateDict): Map<string, FoldedConv> {
	const specs = [
		STEM,
		...BLOCKS.flatMap((b) => [b.conv1, b.conv2, ...(b.downsample ? [b.downsample] : [])]),
	];
	return new Map(specs.map((spec) => [spec.conv, foldConv(state, spec)]));
}

function floats(state: StateDict, name: string): Float32Array {
	const tensor = state.get(name);
	if (!tensor || tensor.dtype !== 'float32')
		throw new WeightsError(`${name} is missing or not a float tensor`, undefined, name);
	return tensor.data;
}
