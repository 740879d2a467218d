import { onnx } from 'onnx-proto';
import { WeightsError } from '../errors';
import { BLOCKS, BN_EPS, STEM } from '../model/architecture';
import type { StateDict } from '../weights/host-tensor';

/**
 * The float weights an int8 graph of ours stands for, as a torchvision state dict: each convolution's int8 weight
 * times its per-channel scale, with its folded bias in an identity BatchNorm (γ 1, mean 0, var 1 − eps, so that
 * √(var + eps) is 1). What an int8 file holds, readable by everything that reads weights; it runs in int8 only in
 * ONNX Runtime, from the file's own graph.
 */
export function stateDictFromInt8Onnx(model: onnx.IModelProto, file: string): StateDict {
	const initializers = new Map(
		(model.graph?.initializer ?? []).map((t) => [t.name ?? '', t] as const),
	);
	const raw = (name: string, type: number): Uint8Array => {
		const t = initializers.get(name);
		if (!t || t.dataType !== type || !t.rawData)
			throw new WeightsError(`int8 graph has no tensor "${name}" of the expected type`, file, name);
		// A copy: protobuf's bytes may sit at any offset of the file's buffer, and typed views need alignment.
		return Uint8Array.from(t.rawData);
	};
	const dims = (name: string): number[] => (initializers.get(name)?.dims ?? []).map(Number);
	const T = onnx.TensorProto.DataType;
	/** A tensor's bytes, checked against its dims: ONNX Runtime checks the graph it runs, this the weights we read. */
	const sized = (name: string, type: number, width: number): Uint8Array => {
		const bytes = raw(name, type);
		const shape = dims(name);
		const count = shape.reduce((a, b) => a * b, 1);
		if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || bytes.byteLength !== count * width)
			throw new WeightsError(
				`int8 graph's "${name}" holds ${bytes.byteLength} bytes, its shape [${shape.join(', ')}] needs ${count * width}`,
				file,
				name,
			);
		return bytes;
	};
	const dequantized = (name: string, type: number): Float32Array => {
		const bytes = sized(`${name}.quantized`, type, type === T.INT8 ? 1 : 4);
		const q = type === T.INT8 ? new Int8Array(bytes.buffer) : new Int32Array(bytes.buffer);
		const scales = new Float32Array(sized(`${name}.scale`, T.FLOAT, 4).buffer);
		const rows = dims(`${name}.quantized`)[0];
		if (scales.length !== rows || rows === 0)
			throw new WeightsError(
				`int8 graph's "${name}.scale" has ${scales.length} scales for ${rows} channels`,
				file,
				`${name}.scale`,
			);
		const per = q.length / scales.length;
		const out = new Float32Array(q.length);
		for (let i = 0; i < q.length; i++) out[i] = q[i] * scales[Math.floor(i / per)];
		return out;
	};
	const state: StateDict = new Map();
	const convs = [
		STEM,
		...BLOCKS.flatMap((b) => [b.conv1, b.conv2, ...(b.downsample ? [b.downsample] : [])]),
	];
	for (const spec of convs) {
		const shape = dims(`${spec.conv}.weight.quantized`);
		const channels = shape[0];
		state.set(`${spec.conv}.weight`, {
			dtype: 'float32',
			shape,
			data: dequantized(`${spec.conv}.weight`, T.INT8),
		});
		const bn = (name: string, data: Float32Array) =>
			state.set(`${spec.bn}.${name}`, { dtype: 'float32', shape: [channels], data });
		bn('weight', new Float32Array(channels).fill(1));
		bn('bias', dequantized(`${spec.conv}.bias`, T.INT32));
		bn('running_mean', new Float32Array(channels));
		bn('running_var', new Float32Array(channels).fill(1 - BN_EPS));
		state.set(`${spec.bn}.num_batches_tracked`, {
			dtype: 'int64',
			shape: [],
			data: BigInt64Array.of(0n),
		});
	}
	state.set('fc.weight', {
		dtype: 'float32',
		shape: dims('fc.weight.quantized'),
		data: dequantized('fc.weight', T.INT8),
	});
	state.set('fc.bias', {
		dtype: 'float32',
		shape: dims('fc.bias'),
		data: new Float32Array(sized('fc.bias', T.FLOAT, 4).buffer),
	});
	return state;
}
