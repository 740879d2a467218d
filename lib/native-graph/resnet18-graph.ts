import {
	BLOCKS,
	BN_EPS,
	EMBEDDING_SIZE,
	STEM,
	layer3Side,
	type ConvSpec,
} from '../model/architecture';
import type { StateDict } from '../weights/host-tensor';
import { GraphBuilder, type Attr } from './graph-builder';
import type { GraphProto } from './proto';

/** What the eval graph computes from its input `x` (normalised NHWC float32 pixels, [batch, size, size, 3]). */
export const GRAPH_OUTPUTS = ['probabilities', 'features', 'logits', 'layer3'] as const;
export type GraphOutput = (typeof GRAPH_OUTPUTS)[number];

export interface GraphOptions {
	/**
	 * How torch's symmetric zero padding is written: inside the Conv2D (`explicit`: its EXPLICIT padding mode), as
	 * a Pad op before a VALID convolution (`pad`, which oneDNN's graph pass fuses as PadWithConv2D), or SAME where
	 * that is torch's (stride 1) and EXPLICIT elsewhere (`same`). All three give the same numbers and ran within
	 * noise of each other on the 2-core bench host (bench/README.md); default explicit, which needs no oneDNN pass to
	 * stay one op per layer (TF_ENABLE_ONEDNN_OPTS=0, the GPU package).
	 */
	readonly convPadding?: 'explicit' | 'pad' | 'same';
}

/**
 * ResNet-18's eval forward as one TensorFlow graph, from a torchvision-layout state dict: batch norm folded into each
 * convolution's filter and bias (as lib/model/folded-convs.ts folds it for the eager forward), convolutions
 * Conv2D → BiasAdd [→ AddV2 residual] → Relu, the pattern TensorFlow's remapper fuses into one kernel. torch pads
 * symmetrically where TensorFlow's SAME would pad one side at stride 2, so every pad is explicit; the max-pool's
 * input is a ReLU's output (≥ 0), so padding it with zeros equals torch's −∞ padding. Every output is one signature
 * (`predict` runs only what that output needs).
 */
export function resnet18SavedModel(
	proto: GraphProto,
	state: StateDict,
	size: number,
	options: GraphOptions = {},
): Uint8Array {
	const g = new GraphBuilder(proto);
	const convPadding = options.convPadding ?? 'explicit';
	const input = { node: g.placeholder('x', [-1, size, size, 3]), shape: [-1, size, size, 3] };
	const ints = (values: readonly number[]): Attr => ({ ints: values });
	const pad = (name: string, x: string, p: number): string =>
		g.op(
			name,
			'Pad',
			[x, g.constant(`${name}/paddings`, Int32Array.of(0, 0, p, p, p, p, 0, 0), [4, 2])],
			{
				Tpaddings: { type: 'int32' },
			},
		);

	const layer = (x: string, spec: ConvSpec, relu: boolean, residual?: string): string => {
		const { filter, bias, shape } = foldedConv(state, spec);
		const name = spec.conv;
		const w = g.constant(`${name}/filter`, filter, shape);
		const b = g.constant(`${name}/bias`, bias, [shape[3]]);
		const padded = convPadding === 'pad' && spec.padding > 0;
		const source = padded ? pad(`${name}/pad`, x, spec.padding) : x;
		const p = padded ? 0 : spec.padding;
		// At stride 1 with a centred kernel, SAME is torch's padding exactly.
		const same = convPadding === 'same' && p > 0 && spec.stride === 1 && 2 * p + 1 === shape[0];
		let y = g.op(`${name}/conv`, 'Conv2D', [source, w], {
			strides: ints([1, spec.stride, spec.stride, 1]),
			padding: { string: same ? 'SAME' : p > 0 ? 'EXPLICIT' : 'VALID' },
			...(p > 0 && !same ? { explicit_paddings: ints([0, 0, p, p, p, p, 0, 0]) } : {}),
			data_format: { string: 'NHWC' },
		});
		y = g.op(`${name}/bias_add`, 'BiasAdd', [y, b], { data_format: { string: 'NHWC' } });
		// AddN, not AddV2: the remapper fuses an Add into the convolution only when it can prove both shapes equal,
		// which a batch dimension known only at run time defeats; a two-input AddN it takes as is.
		if (residual) y = g.op(`${name}/residual`, 'AddN', [y, residual], { N: { int: 2 } });
		return relu ? g.op(`${name}/relu`, 'Relu', [y]) : y;
	};

	let h = layer(input.node, STEM, true);
	h = g.op('maxpool', 'MaxPool', [pad('maxpool/pad', h, 1)], {
		ksize: ints([1, 3, 3, 1]),
		strides: ints([1, 2, 2, 1]),
		padding: { string: 'VALID' },
		data_format: { string: 'NHWC' },
	});
	let layer3 = '';
	for (const block of BLOCKS) {
		const identity = block.downsample ? layer(h, block.downsample, false) : h;
		h = layer(layer(h, block.conv1, true), block.conv2, true, identity);
		if (block.prefix === 'layer3.1') layer3 = g.op('layer3', 'Identity', [h]);
	}
	const features = g.op(
		'features',
		'Mean',
		[h, g.constant('pool/axes', Int32Array.of(1, 2), [2])],
		{
			Tidx: { type: 'int32' },
			keep_dims: { bool: false },
		},
	);
	const { weight, bias, classes } = classifier(state);
	const product = g.op(
		'fc/matmul',
		'MatMul',
		[features, g.constant('fc/weight', weight, [EMBEDDING_SIZE, classes])],
		{
			transpose_a: { bool: false },
			transpose_b: { bool: false },
		},
	);
	const logits = g.op('logits', 'BiasAdd', [product, g.constant('fc/bias', bias, [classes])], {
		data_format: { string: 'NHWC' },
	});
	const probabilities = g.op('probabilities', 'Softmax', [logits]);
	const side = layer3Side(size);
	const outputs: Record<GraphOutput, { node: string; shape: number[] }> = {
		probabilities: { node: probabilities, shape: [-1, classes] },
		features: { node: features, shape: [-1, EMBEDDING_SIZE] },
		logits: { node: logits, shape: [-1, classes] },
		layer3: { node: layer3, shape: [-1, side, side, 256] },
	};
	return g.savedModel(
		input,
		Object.fromEntries(GRAPH_OUTPUTS.map((o) => [o, { [o]: outputs[o] }])),
	);
}

/** A convolution's filter in TensorFlow's HWIO layout with its batch norm folded in, and the folded bias. */
function foldedConv(
	state: StateDict,
	spec: ConvSpec,
): { filter: Float32Array; bias: Float32Array; shape: [number, number, number, number] } {
	const weight = floats(state, `${spec.conv}.weight`);
	const [gamma, beta, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map(
		(k) => floats(state, `${spec.bn}.${k}`).data,
	);
	const [o, i, kh, kw] = weight.shape;
	const scale = new Float32Array(o);
	const bias = new Float32Array(o);
	for (let c = 0; c < o; c++) {
		scale[c] = gamma[c] / Math.sqrt(variance[c] + BN_EPS);
		bias[c] = beta[c] - mean[c] * scale[c];
	}
	// torch's OIHW to HWIO: the output channel last, so each row of the filter is one input pixel's weights.
	const filter = new Float32Array(weight.data.length);
	const w = weight.data;
	for (let y = 0; y < kh; y++)
		for (let x = 0; x < kw; x++)
			for (let ci = 0; ci < i; ci++) {
				const row = ((y * kw + x) * i + ci) * o;
				for (let co = 0; co < o; co++)
					filter[row + co] = w[((co * i + ci) * kh + y) * kw + x] * scale[co];
			}
	return { filter, bias, shape: [kh, kw, i, o] };
}

/** The classifier as MatMul takes it ([512, classes]: torch's [classes, 512] transposed) and its bias. */
function classifier(state: StateDict): {
	weight: Float32Array;
	bias: Float32Array;
	classes: number;
} {
	const fc = floats(state, 'fc.weight');
	const [classes, inputs] = fc.shape;
	const weight = new Float32Array(fc.data.length);
	for (let k = 0; k < classes; k++)
		for (let j = 0; j < inputs; j++) weight[j * classes + k] = fc.data[k * inputs + j];
	return { weight, bias: floats(state, 'fc.bias').data, classes };
}

function floats(state: StateDict, name: string): { data: Float32Array; shape: readonly number[] } {
	const tensor = state.get(name);
	if (!tensor || tensor.dtype !== 'float32')
		throw new Error(`internal: ${name} missing or not float32`);
	return tensor;
}
