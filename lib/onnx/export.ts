import { onnx } from 'onnx-proto';
import { BLOCKS, BN_EPS, STEM, type ConvSpec } from '../model/architecture';
import type { ModelMetadata } from '../model-file/metadata';
import { encodeMetadata } from '../model-file/metadata';
import type { StateDict } from '../weights/host-tensor';
import {
	MAXPOOL,
	classifierHead,
	classifierIo,
	encodeModel,
	float,
	int,
	ints,
	tensorInfo,
} from './graph-parts';

export { ONNX_OPSET } from './graph-parts';

export interface ExportOptions {
	/**
	 * Also output layer3's activations as `layer3` ([batch, 256, S/16, S/16]): what last-stage fine-tuning caches.
	 * Off in exported files, whose outputs stay those of an image classifier.
	 */
	readonly layer3Output?: boolean;
}

/**
 * The trained model as an ONNX graph, built from the same torchvision-layout weights as the safetensors file: the
 * graph torch.onnx.export writes for torchvision's resnet18 (Conv, BatchNormalization, Relu, MaxPool, Add,
 * GlobalAveragePool, Flatten, Gemm), with a Softmax output beside the logits. Input `input`: float32 NCHW
 * [batch, 3, S, S], normalised as the metadata says. Opset 13; runs in ONNX Runtime, OpenCV DNN, TensorRT.
 */
export function exportOnnx(
	state: StateDict,
	metadata: ModelMetadata,
	options: ExportOptions = {},
): Uint8Array {
	const nodes: onnx.INodeProto[] = [];
	const initializers: onnx.ITensorProto[] = [];
	let counter = 0;
	const fresh = (hint: string) => `${hint}_${counter++}`;
	const weight = (name: string): string => {
		const tensor = state.get(name);
		if (!tensor || tensor.dtype !== 'float32')
			throw new Error(`internal: ${name} missing or not float32`);
		initializers.push({
			name,
			dataType: onnx.TensorProto.DataType.FLOAT,
			dims: [...tensor.shape],
			rawData: new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength),
		});
		return name;
	};
	const convBn = (x: string, spec: ConvSpec, relu: boolean): string => {
		const kernel = state.get(`${spec.conv}.weight`)!.shape[2];
		const conv = fresh(spec.conv);
		nodes.push({
			opType: 'Conv',
			name: conv,
			input: [x, weight(`${spec.conv}.weight`)],
			output: [conv],
			attribute: [
				ints('kernel_shape', [kernel, kernel]),
				ints('strides', [spec.stride, spec.stride]),
				ints('pads', [spec.padding, spec.padding, spec.padding, spec.padding]),
			],
		});
		const bn = fresh(spec.bn);
		nodes.push({
			opType: 'BatchNormalization',
			name: bn,
			input: [
				conv,
				weight(`${spec.bn}.weight`),
				weight(`${spec.bn}.bias`),
				weight(`${spec.bn}.running_mean`),
				weight(`${spec.bn}.running_var`),
			],
			output: [bn],
			attribute: [float('epsilon', BN_EPS), float('momentum', 0.9)],
		});
		if (!relu) return bn;
		const out = fresh(`${spec.bn}_relu`);
		nodes.push({ opType: 'Relu', name: out, input: [bn], output: [out] });
		return out;
	};
	let h = convBn('input', STEM, true);
	const pooled = fresh('maxpool');
	nodes.push({
		opType: 'MaxPool',
		name: pooled,
		input: [h],
		output: [pooled],
		attribute: MAXPOOL,
	});
	h = pooled;
	let layer3 = '';
	for (const block of BLOCKS) {
		if (block.prefix === 'layer4.0') layer3 = h;
		const identity = block.downsample ? convBn(h, block.downsample, false) : h;
		const y = convBn(h, block.conv1, true);
		const z = convBn(y, block.conv2, false);
		const sum = fresh(`${block.prefix}_add`);
		nodes.push({ opType: 'Add', name: sum, input: [z, identity], output: [sum] });
		const out = fresh(`${block.prefix}_relu`);
		nodes.push({ opType: 'Relu', name: out, input: [sum], output: [out] });
		h = out;
	}
	nodes.push({ opType: 'GlobalAveragePool', name: 'avgpool', input: [h], output: ['avgpool'] });
	nodes.push({
		opType: 'Flatten',
		name: 'flatten',
		input: ['avgpool'],
		output: ['features'],
		attribute: [int('axis', 1)],
	});
	nodes.push(...classifierHead('features', weight('fc.weight'), weight('fc.bias')));

	const io = classifierIo(metadata.inputSize, metadata.classes.length);
	if (options.layer3Output) {
		nodes.push({ opType: 'Identity', name: 'layer3', input: [layer3], output: ['layer3'] });
		io.output.push(
			tensorInfo('layer3', onnx.TensorProto.DataType.FLOAT, ['batch', 256, 'height', 'width']),
		);
	}
	return encodeModel(
		{ name: metadata.name ?? 'resnet18', node: nodes, initializer: initializers, ...io },
		{ producerVersion: metadata.packageVersion, metadata: encodeMetadata(metadata) },
	);
}
