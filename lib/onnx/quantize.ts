import { onnx } from 'onnx-proto';
import { InvalidParameterError } from '../errors';
import { BLOCKS, STEM } from '../model/architecture';
import type { ModelMetadata } from '../model-file/metadata';
import { encodeMetadata } from '../model-file/metadata';
import type { StateDict } from '../weights/host-tensor';
import {
	INPUT_POINT,
	POOL_POINT,
	addPoint,
	quantizationPoints,
	type CalibrationRanges,
} from './calibrate';
import { foldBatchNorms } from './fold-bn';
import {
	MAXPOOL,
	classifierHead,
	classifierIo,
	convAttributes,
	encodeModel,
	int,
} from './graph-parts';

/**
 * The trained model as a statically quantized ONNX graph in QDQ form, the form onnxruntime's quantize_static writes:
 * QuantizeLinear/DequantizeLinear pairs around float ops, which ONNX Runtime's CPU provider fuses into QLinearConv,
 * QLinearAdd and QLinearGlobalAveragePool (uint8 activations × int8 weights: VNNI's dot product), and which any
 * other runtime can still execute as float. Same input and outputs as `exportOnnx`.
 *
 * - activations: uint8, asymmetric, one scale per tensor from the calibration range;
 * - convolution weights (BN folded): int8, symmetric, one scale per output channel; bias int32 at s_input·s_w[c];
 * - no Relu: a tensor torchvision passes through ReLU is calibrated after it, so its zero point is 0 and the
 *   QuantizeLinear's clamp at 0 is the ReLU;
 * - the classifier (Gemm) keeps float activations, with its weight int8 per row: 5 kB of it, not worth a requantize.
 */
export function exportOnnxInt8(
	state: StateDict,
	metadata: ModelMetadata,
	ranges: CalibrationRanges,
): Uint8Array {
	const folded = foldBatchNorms(state);
	const nodes: onnx.INodeProto[] = [];
	const initializers: onnx.ITensorProto[] = [];
	const T = onnx.TensorProto.DataType;
	const constant = (
		name: string,
		dataType: number,
		dims: readonly number[],
		data: ArrayBufferView,
	) => {
		initializers.push({
			name,
			dataType,
			dims: [...dims],
			rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
		});
		return name;
	};

	// One scale and zero point per quantization point, shared by its QuantizeLinear and every DequantizeLinear of it.
	const activation = new Map<string, { scale: number; zeroPoint: number }>();
	for (const point of quantizationPoints()) {
		const range = ranges.get(point);
		if (!range || !Number.isFinite(range.min) || !Number.isFinite(range.max))
			throw new InvalidParameterError('ranges', `no finite calibration range for "${point}"`);
		const q = activationParams(range.min, range.max);
		activation.set(point, q);
		constant(`${point}.scale`, T.FLOAT, [], Float32Array.of(q.scale));
		constant(`${point}.zero_point`, T.UINT8, [], Uint8Array.of(q.zeroPoint));
	}
	/** A uint8 tensor and the quantization point whose scale it carries. */
	interface Quantized {
		readonly name: string;
		readonly point: string;
	}
	const quantize = (x: string, point: string, name = `${point}.q`): Quantized => {
		nodes.push({
			opType: 'QuantizeLinear',
			name,
			input: [x, `${point}.scale`, `${point}.zero_point`],
			output: [name],
		});
		return { name, point };
	};
	// A DequantizeLinear per consumer: ORT's QDQ fusion takes a node group's DQ inputs as its own, and leaves a DQ
	// that feeds two groups unfused.
	let dqCount = 0;
	const dequantize = (q: Quantized): string => {
		const out = `${q.name}.dq${dqCount++}`;
		nodes.push({
			opType: 'DequantizeLinear',
			name: out,
			input: [q.name, `${q.point}.scale`, `${q.point}.zero_point`],
			output: [out],
		});
		return out;
	};
	const perChannelDq = (
		name: string,
		dataType: number,
		dims: readonly number[],
		data: ArrayBufferView,
		scales: Float32Array,
		zeros: ArrayBufferView,
	) => {
		const zeroType = dataType === T.INT32 ? T.INT32 : T.INT8;
		constant(`${name}.quantized`, dataType, dims, data);
		constant(`${name}.scale`, T.FLOAT, [scales.length], scales);
		constant(`${name}.zero_point`, zeroType, [scales.length], zeros);
		nodes.push({
			opType: 'DequantizeLinear',
			name: `${name}.dq`,
			input: [`${name}.quantized`, `${name}.scale`, `${name}.zero_point`],
			output: [`${name}.dq`],
			attribute: [int('axis', 0)],
		});
		return `${name}.dq`;
	};
	const conv = (x: Quantized, name: string): Quantized => {
		const f = folded.get(name)!;
		const inputScale = activation.get(x.point)!.scale;
		const w = quantizeWeights(f.weight, f.shape[0], f.bias, inputScale);
		const out = `${name}.conv`;
		nodes.push({
			opType: 'Conv',
			name: out,
			input: [
				dequantize(x),
				perChannelDq(
					`${name}.weight`,
					T.INT8,
					f.shape,
					w.weight,
					w.scales,
					new Int8Array(f.shape[0]),
				),
				perChannelDq(
					`${name}.bias`,
					T.INT32,
					[f.shape[0]],
					w.bias,
					w.biasScales,
					new Int32Array(f.shape[0]),
				),
			],
			output: [out],
			attribute: convAttributes(f),
		});
		return quantize(out, name);
	};

	let h = conv(quantize('input', INPUT_POINT), STEM.conv);
	nodes.push({
		opType: 'MaxPool',
		name: 'maxpool',
		input: [dequantize(h)],
		output: ['maxpool'],
		attribute: MAXPOOL,
	});
	// Max-pooling commutes with a monotone quantizer: same scale in and out, so ORT runs it on the uint8 tensor.
	h = quantize('maxpool', h.point, 'maxpool.q');
	for (const block of BLOCKS) {
		const identity = block.downsample ? conv(h, block.downsample.conv) : h;
		const z = conv(conv(h, block.conv1.conv), block.conv2.conv);
		const out = addPoint(block.prefix);
		nodes.push({
			opType: 'Add',
			name: `${out}.sum`,
			input: [dequantize(z), dequantize(identity)],
			output: [`${out}.sum`],
		});
		h = quantize(`${out}.sum`, out);
	}
	nodes.push({
		opType: 'GlobalAveragePool',
		name: POOL_POINT,
		input: [dequantize(h)],
		output: [POOL_POINT],
	});
	const pooled = quantize(POOL_POINT, POOL_POINT);
	nodes.push({
		opType: 'Flatten',
		name: 'flatten',
		input: [dequantize(pooled)],
		output: ['features'],
		attribute: [int('axis', 1)],
	});
	const fcWeight = state.get('fc.weight')!;
	const fcBias = state.get('fc.bias')!;
	const classes = fcWeight.shape[0];
	const fc = quantizeWeights(fcWeight.data as Float32Array, classes);
	nodes.push(
		...classifierHead(
			'features',
			perChannelDq(
				'fc.weight',
				T.INT8,
				fcWeight.shape,
				fc.weight,
				fc.scales,
				new Int8Array(classes),
			),
			constant('fc.bias', T.FLOAT, fcBias.shape, fcBias.data as Float32Array),
		),
	);
	return encodeModel(
		{
			name: metadata.name ?? 'resnet18',
			node: nodes,
			initializer: initializers,
			...classifierIo(metadata.inputSize, metadata.classes.length),
		},
		{
			producerVersion: metadata.packageVersion,
			metadata: { ...encodeMetadata(metadata), precision: 'int8' },
		},
	);
}

/**
 * uint8 scale and zero point of a range holding 0: scale (max−min)/255, zero point round(−min/scale). A range of a
 * single value (a tensor that was 0 on every calibration image) gets scale 1, not 0: a division by it would be NaN.
 */
export function activationParams(min: number, max: number): { scale: number; zeroPoint: number } {
	const lo = Math.min(min, 0);
	const hi = Math.max(max, 0);
	const scale = Math.fround((hi - lo) / 255) || 1;
	return { scale, zeroPoint: Math.max(0, Math.min(255, Math.round(-lo / scale))) };
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * Symmetric int8 per output channel (rows of `weight`): s_w[c] = max|w_c|/127. With a bias (and the input's scale),
 * also its int32 quantization at s_input·s_w[c]; s_w[c] is raised where that bias would not fit in int32 (a channel
 * of tiny or zero weights beside a large bias), and a channel of zeros only gets scale 1.
 */
export function quantizeWeights(
	weight: Float32Array,
	channels: number,
	bias?: Float32Array,
	inputScale = 1,
): { weight: Int8Array; scales: Float32Array; bias: Int32Array; biasScales: Float32Array } {
	const per = weight.length / channels;
	const q = new Int8Array(weight.length);
	const scales = new Float32Array(channels);
	const qBias = new Int32Array(channels);
	const biasScales = new Float32Array(channels);
	for (let c = 0; c < channels; c++) {
		let maxAbs = 0;
		for (let j = c * per; j < (c + 1) * per; j++) maxAbs = Math.max(maxAbs, Math.abs(weight[j]));
		const b = bias ? Math.abs(bias[c]) : 0;
		const scale = Math.fround(Math.max(maxAbs / 127, (b / (inputScale * INT32_MAX)) * 2)) || 1;
		scales[c] = scale;
		for (let j = c * per; j < (c + 1) * per; j++)
			q[j] = Math.max(-127, Math.min(127, Math.round(weight[j] / scale)));
		if (bias) {
			const bs = Math.fround(inputScale * scale);
			biasScales[c] = bs;
			qBias[c] = Math.max(-INT32_MAX, Math.min(INT32_MAX, Math.round(bias[c] / bs)));
		}
	}
	return { weight: q, scales, bias: qBias, biasScales };
}
