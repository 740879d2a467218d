import { WeightsError } from '../errors';
import { bfloat16ToFloat32, float16ToFloat32 } from './float-formats';
import type { HostTensor } from './host-tensor';

/**
 * A tensor as a `.pth` pickle describes it — a window (offset, shape, strides) onto a storage held elsewhere in the
 * archive — checked before a single element is read, so that a few hundred bytes of pickle cannot ask for gigabytes.
 */

export type StorageDtype =
	| 'float32'
	| 'float64'
	| 'float16'
	| 'bfloat16'
	| 'int64'
	| 'int32'
	| 'int16'
	| 'int8'
	| 'uint8'
	| 'bool';

export const ELEMENT_BYTES: Record<StorageDtype, number> = {
	float32: 4,
	float64: 8,
	float16: 2,
	bfloat16: 2,
	int64: 8,
	int32: 4,
	int16: 2,
	int8: 1,
	uint8: 1,
	bool: 1,
};

export interface StorageRef {
	readonly key: string;
	readonly dtype: StorageDtype;
	/** Elements the pickle says the storage holds; its archive entry must be exactly this × the element size. */
	readonly numel: number;
}

export interface TensorLayout {
	readonly storage: StorageRef;
	readonly offset: number;
	readonly shape: readonly number[];
	readonly strides: readonly number[];
}

/**
 * Largest tensor accepted: 2^26 elements (256 MiB as float32). ResNet-18's largest is 2.4 M (layer4 3×3 convs);
 * this leaves room for a head of over 100 000 classes while bounding what one crafted entry can cost.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 26;

/** Checks the layout and returns its element count; refusals name the file and the tensor. */
export function checkLayout(layout: TensorLayout, tensor: string, file?: string): number {
	const refuse = (message: string): never => {
		throw new WeightsError(`tensor "${tensor}" ${message}`, file, tensor);
	};
	const { shape, strides, offset, storage } = layout;
	const natural = (v: number) => Number.isSafeInteger(v) && v >= 0;
	if (!shape.every(natural)) refuse(`has an invalid shape [${shape.join(', ')}]`);
	if (strides.length !== shape.length || !strides.every(natural))
		refuse(`has invalid strides (${strides.join(', ')}) for shape [${shape.join(', ')}]`);
	if (!natural(offset)) refuse(`has an invalid storage offset ${offset}`);
	if (!natural(storage.numel))
		refuse(`uses storage ${storage.key} of invalid size ${storage.numel}`);
	if (shape.includes(0)) return 0;
	let count = 1;
	for (const size of shape) {
		count *= size;
		if (count > MAX_TENSOR_ELEMENTS)
			refuse(
				`has shape [${shape.join(', ')}], over the ${MAX_TENSOR_ELEMENTS}-element limit for one tensor`,
			);
	}
	// Every element must have its own storage slot: ordering the dims by stride, each stride must step over the whole
	// span of the smaller ones. A stride-0 (broadcast) or otherwise overlapping view is refused, so a tensor never
	// holds more elements than the storage it reads.
	const dims = shape
		.map((size, d) => ({ size, stride: strides[d] }))
		.filter((d) => d.size > 1)
		.sort((a, b) => a.stride - b.stride);
	let span = 1;
	for (const { size, stride } of dims) {
		if (stride < span)
			refuse(
				`has overlapping strides (${strides.join(', ')}) for shape [${shape.join(', ')}] (a broadcast or expanded view); save it with .contiguous()`,
			);
		span = stride * (size - 1) + span;
	}
	if (offset + span > storage.numel)
		refuse(
			`reads elements ${offset}..${offset + span - 1} of storage ${storage.key}, which holds ${storage.numel}`,
		);
	return count;
}

/** Reads a checked layout out of its storage's raw little-endian bytes (views, transposes and offsets alike). */
export function materialise(layout: TensorLayout, raw: Uint8Array): HostTensor {
	const { shape, strides, offset } = layout;
	const dtype = layout.storage.dtype;
	const elementBytes = ELEMENT_BYTES[dtype];
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	let n = 1;
	for (const size of shape) n *= size;
	const floats = ['float32', 'float64', 'float16', 'bfloat16'].includes(dtype);
	const out = floats ? new Float32Array(n) : new BigInt64Array(n);
	const index = new Array<number>(shape.length).fill(0);
	for (let i = 0; i < n; i++) {
		let at = offset;
		for (let d = 0; d < shape.length; d++) at += index[d] * strides[d];
		const b = at * elementBytes;
		switch (dtype) {
			case 'float32':
				out[i] = view.getFloat32(b, true);
				break;
			case 'float64':
				out[i] = view.getFloat64(b, true);
				break;
			case 'float16':
				out[i] = float16ToFloat32(view.getUint16(b, true));
				break;
			case 'bfloat16':
				out[i] = bfloat16ToFloat32(view.getUint16(b, true));
				break;
			case 'int64':
				out[i] = view.getBigInt64(b, true);
				break;
			case 'int32':
				out[i] = BigInt(view.getInt32(b, true));
				break;
			case 'int16':
				out[i] = BigInt(view.getInt16(b, true));
				break;
			case 'int8':
				out[i] = BigInt(view.getInt8(b));
				break;
			default:
				out[i] = BigInt(view.getUint8(b));
		}
		for (let d = shape.length - 1; d >= 0; d--) {
			if (++index[d] < shape[d]) break;
			index[d] = 0;
		}
	}
	return out instanceof Float32Array
		? { dtype: 'float32', shape, data: out }
		: { dtype: 'int64', shape, data: out };
}
