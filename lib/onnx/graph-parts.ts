import { onnx } from 'onnx-proto';
import type { FoldedConv } from './fold-bn';

/**
 * The pieces every ResNet-18 graph we write shares — the float32 export, the calibration graph and the int8 graph: the
 * opset, attribute and value-info builders, torchvision's max-pool, the classifier head and the model envelope.
 */
export const ONNX_OPSET = 13;

export function ints(name: string, values: number[]): onnx.IAttributeProto {
	return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}
export function int(name: string, value: number): onnx.IAttributeProto {
	return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}
export function float(name: string, value: number): onnx.IAttributeProto {
	return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
}

/** A graph input or output of `elemType`; no shape when `dims` is omitted (the calibration outputs). */
export function tensorInfo(
	name: string,
	elemType: number,
	dims?: (number | string)[],
): onnx.IValueInfoProto {
	return {
		name,
		type: {
			tensorType: {
				elemType,
				...(dims
					? {
							shape: {
								dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
							},
						}
					: {}),
			},
		},
	};
}

/** torchvision's max-pool: 3×3, stride 2, padding 1. */
export const MAXPOOL: onnx.IAttributeProto[] = [
	ints('kernel_shape', [3, 3]),
	ints('strides', [2, 2]),
	ints('pads', [1, 1, 1, 1]),
];

export function convAttributes(f: FoldedConv): onnx.IAttributeProto[] {
	const p = f.padding;
	return [
		ints('kernel_shape', [f.shape[2], f.shape[3]]),
		ints('strides', [f.stride, f.stride]),
		ints('pads', [p, p, p, p]),
	];
}

/** `fc` (features · Wᵀ + b) → `logits`, and their softmax → `probabilities`. */
export function classifierHead(features: string, weight: string, bias: string): onnx.INodeProto[] {
	return [
		{
			opType: 'Gemm',
			name: 'fc',
			input: [features, weight, bias],
			output: ['logits'],
			attribute: [int('transB', 1)],
		},
		{
			opType: 'Softmax',
			name: 'softmax',
			input: ['logits'],
			output: ['probabilities'],
			attribute: [int('axis', 1)],
		},
	];
}

/** The float NCHW `input` and the image classifier's outputs, as every graph of ours declares them. */
export function classifierIo(
	inputSize: number,
	classes: number,
): { input: onnx.IValueInfoProto[]; output: onnx.IValueInfoProto[] } {
	const f = onnx.TensorProto.DataType.FLOAT;
	return {
		input: [tensorInfo('input', f, ['batch', 3, inputSize, inputSize])],
		output: [
			tensorInfo('logits', f, ['batch', classes]),
			tensorInfo('probabilities', f, ['batch', classes]),
			tensorInfo('features', f, ['batch', 512]),
		],
	};
}

/** The model envelope (IR 7, our producer name, opset 13) around a graph, encoded. */
export function encodeModel(
	graph: onnx.IGraphProto,
	extra: { producerVersion?: string; metadata?: Record<string, string> } = {},
): Uint8Array {
	const model = onnx.ModelProto.create({
		irVersion: 7,
		producerName: 'n8n-nodes-resnet18',
		...(extra.producerVersion === undefined ? {} : { producerVersion: extra.producerVersion }),
		opsetImport: [{ domain: '', version: ONNX_OPSET }],
		...(extra.metadata
			? {
					metadataProps: Object.entries(extra.metadata).map(([key, value]) => ({ key, value })),
				}
			: {}),
		graph,
	});
	return onnx.ModelProto.encode(model).finish();
}
