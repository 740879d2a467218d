import { onnx } from 'onnx-proto';
import { BackendUnavailableError, InvalidParameterError } from '../errors';
import { imagesToNchw, onnxRuntime } from '../infer/onnx-runtime';
import { BLOCKS, STEM } from '../model/architecture';
import type { StateDict } from '../weights/host-tensor';
import { foldBatchNorms } from './fold-bn';
import {
	MAXPOOL,
	classifierHead,
	classifierIo,
	convAttributes,
	encodeModel,
	int,
	tensorInfo,
} from './graph-parts';

/**
 * MinMax calibration for the int8 export: the BN-folded float graph, with every tensor the int8 graph quantizes
 * exposed as an extra output, run in ONNX Runtime over calibration images. A tensor that torchvision passes through
 * ReLU is recorded after it (min ≥ 0), so its quantizer is the ReLU.
 */

/** The observed range of one tensor, widened to hold 0 (so that 0 and zero padding are exact in uint8). */
export interface TensorRange {
	readonly min: number;
	readonly max: number;
}

/** Quantization point name (see `quantizationPoints`) to its range. */
export type CalibrationRanges = ReadonlyMap<string, TensorRange>;

export const INPUT_POINT = 'input';
export const POOL_POINT = 'avgpool';
/** A block's output, after its Add and ReLU. */
export function addPoint(blockPrefix: string): string {
	return `${blockPrefix}.add`;
}

/**
 * Every tensor the int8 graph quantizes: the input, each convolution's output by its torchvision name (after ReLU
 * where one follows), each block's output, and the average-pooled features. The max-pool needs none: it keeps its
 * input's scale.
 */
export function quantizationPoints(): string[] {
	const points = [INPUT_POINT, STEM.conv];
	for (const block of BLOCKS) {
		if (block.downsample) points.push(block.downsample.conv);
		points.push(block.conv1.conv, block.conv2.conv, addPoint(block.prefix));
	}
	points.push(POOL_POINT);
	return points;
}

export interface CalibrationOptions {
	/** ONNX Runtime's intra-op threads; RESNET18_THREADS, else all cores. */
	readonly threads?: number;
}

/**
 * Ranges of every quantization point over `batches`: NHWC float32 images of `inputSize`² (as our decoder makes them,
 * normalised), any number per batch. Needs onnxruntime-node. Every quantized tensor of a batch is fetched at once
 * (about 10 MB an image at 224 px): keep batches to a few images.
 */
export async function calibrate(
	state: StateDict,
	inputSize: number,
	batches: Iterable<Float32Array> | AsyncIterable<Float32Array>,
	options: CalibrationOptions = {},
): Promise<CalibrationRanges> {
	const runtime = onnxRuntime();
	if (typeof runtime === 'string')
		throw new BackendUnavailableError(
			'onnxruntime',
			`int8 export needs onnxruntime-node to calibrate: ${runtime}`,
		);
	const image = inputSize * inputSize * 3;
	const points = quantizationPoints().filter((p) => p !== INPUT_POINT);
	const threads = options.threads ?? Number(process.env.RESNET18_THREADS);
	const session = await runtime.InferenceSession.create(calibrationGraph(state, inputSize), {
		graphOptimizationLevel: 'all',
		...(Number.isInteger(threads) && threads > 0 ? { intraOpNumThreads: threads } : {}),
	});
	const ranges = new Map<string, { min: number; max: number }>(
		quantizationPoints().map((p) => [p, { min: 0, max: 0 }]),
	);
	let images = 0;
	try {
		for await (const batch of batches) {
			if (batch.length === 0) continue;
			if (batch.length % image !== 0)
				throw new InvalidParameterError(
					'calibration',
					`a batch of ${batch.length} floats is not a whole number of ${inputSize}×${inputSize}×3 images`,
				);
			const n = batch.length / image;
			widen(ranges.get(INPUT_POINT)!, batch);
			const result = await session.run(
				{
					input: new runtime.Tensor('float32', imagesToNchw(batch, n, inputSize), [
						n,
						3,
						inputSize,
						inputSize,
					]),
				},
				points,
			);
			for (const p of points) widen(ranges.get(p)!, result[p].data);
			images += n;
		}
	} finally {
		await session.release();
	}
	if (images === 0)
		throw new InvalidParameterError(
			'calibration',
			'int8 export needs at least one calibration image',
		);
	return ranges;
}

function widen(range: { min: number; max: number }, data: ArrayLike<number>): void {
	let { min, max } = range;
	for (let i = 0; i < data.length; i++) {
		const v = data[i];
		if (v < min) min = v;
		else if (v > max) max = v;
	}
	range.min = min;
	range.max = max;
}

/**
 * The float graph with BN folded into each Conv's bias and every quantization point an output (besides logits,
 * probabilities and features): what the int8 graph computes, before rounding.
 */
export function calibrationGraph(state: StateDict, inputSize: number): Uint8Array {
	const folded = foldBatchNorms(state);
	const nodes: onnx.INodeProto[] = [];
	const initializers: onnx.ITensorProto[] = [];
	const constant = (name: string, dims: readonly number[], data: Float32Array): string => {
		initializers.push({
			name,
			dataType: onnx.TensorProto.DataType.FLOAT,
			dims: [...dims],
			rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
		});
		return name;
	};
	const conv = (x: string, name: string, relu: boolean): string => {
		const f = folded.get(name)!;
		const out = relu ? `${name}.conv` : name;
		nodes.push({
			opType: 'Conv',
			name: out,
			input: [
				x,
				constant(`${name}.weight`, f.shape, f.weight),
				constant(`${name}.bias`, [f.shape[0]], f.bias),
			],
			output: [out],
			attribute: convAttributes(f),
		});
		if (relu) nodes.push({ opType: 'Relu', name, input: [out], output: [name] });
		return name;
	};
	let h = conv('input', STEM.conv, true);
	nodes.push({
		opType: 'MaxPool',
		name: 'maxpool',
		input: [h],
		output: ['maxpool'],
		attribute: MAXPOOL,
	});
	h = 'maxpool';
	for (const block of BLOCKS) {
		const identity = block.downsample ? conv(h, block.downsample.conv, false) : h;
		const z = conv(conv(h, block.conv1.conv, true), block.conv2.conv, false);
		const out = addPoint(block.prefix);
		nodes.push({ opType: 'Add', name: `${out}.sum`, input: [z, identity], output: [`${out}.sum`] });
		nodes.push({ opType: 'Relu', name: out, input: [`${out}.sum`], output: [out] });
		h = out;
	}
	nodes.push({ opType: 'GlobalAveragePool', name: POOL_POINT, input: [h], output: [POOL_POINT] });
	nodes.push({
		opType: 'Flatten',
		name: 'flatten',
		input: [POOL_POINT],
		output: ['features'],
		attribute: [int('axis', 1)],
	});
	const fcWeight = state.get('fc.weight')!;
	const fcBias = state.get('fc.bias')!;
	nodes.push(
		...classifierHead(
			'features',
			constant('fc.weight', fcWeight.shape, fcWeight.data as Float32Array),
			constant('fc.bias', fcBias.shape, fcBias.data as Float32Array),
		),
	);
	const io = classifierIo(inputSize, fcWeight.shape[0]);
	io.output.push(
		...quantizationPoints()
			.filter((p) => p !== INPUT_POINT)
			.map((p) => tensorInfo(p, onnx.TensorProto.DataType.FLOAT)),
	);
	return encodeModel({
		name: 'resnet18-calibration',
		node: nodes,
		initializer: initializers,
		...io,
	});
}
