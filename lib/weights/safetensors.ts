import { WeightsError } from '../errors';
import { bfloat16ToFloat32, float16ToFloat32 } from './float-formats';
import { elementCount, type HostTensor, type StateDict } from './host-tensor';

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. It holds no code, which is why it is our model format.
 */

export interface SafetensorsFile {
	readonly tensors: StateDict;
	/** The free-form `__metadata__` map (string values only, as the format requires). */
	readonly metadata: Record<string, string>;
}

const BYTES_PER_ELEMENT: Record<string, number> = {
	F64: 8,
	F32: 4,
	F16: 2,
	BF16: 2,
	I64: 8,
	I32: 4,
	I16: 2,
	I8: 1,
	U8: 1,
	BOOL: 1,
};

/** Larger headers are not produced by any writer we know of; refusing them bounds the JSON parse. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

interface HeaderEntry {
	dtype: string;
	shape: number[];
	data_offsets: [number, number];
}

export function readSafetensors(bytes: Uint8Array, file?: string): SafetensorsFile {
	if (bytes.byteLength < 8)
		throw new WeightsError('not a safetensors file (shorter than its 8-byte header length)', file);
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const headerLength = Number(view.getBigUint64(0, true));
	if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.byteLength) {
		throw new WeightsError(
			`not a safetensors file (header length ${headerLength} exceeds the file)`,
			file,
		);
	}
	let header: Record<string, unknown>;
	try {
		header = JSON.parse(
			Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8'),
		) as Record<string, unknown>;
	} catch (error) {
		throw new WeightsError('not a safetensors file (its header is not JSON)', file, undefined, {
			cause: error,
		});
	}
	const dataStart = 8 + headerLength;
	const dataLength = bytes.byteLength - dataStart;
	const metadata: Record<string, string> = {};
	const tensors: StateDict = new Map();
	const entries = Object.entries(header)
		.filter(([name]) => name !== '__metadata__')
		.map(([name, entry]) => [name, checkEntry(name, entry, dataLength, file)] as const)
		.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
	for (const [name, entry] of entries) {
		tensors.set(
			name,
			decodeTensor(
				name,
				entry,
				bytes.subarray(dataStart + entry.data_offsets[0], dataStart + entry.data_offsets[1]),
				file,
			),
		);
	}
	const rawMetadata = header.__metadata__;
	if (rawMetadata !== undefined) {
		if (typeof rawMetadata !== 'object' || rawMetadata === null)
			throw new WeightsError('__metadata__ is not an object', file);
		for (const [key, value] of Object.entries(rawMetadata)) {
			if (typeof value !== 'string')
				throw new WeightsError(`__metadata__.${key} is not a string`, file);
			metadata[key] = value;
		}
	}
	return { tensors, metadata };
}

function checkEntry(name: string, entry: unknown, dataLength: number, file?: string): HeaderEntry {
	const e = entry as Partial<HeaderEntry> | null;
	if (
		!e ||
		typeof e.dtype !== 'string' ||
		!Array.isArray(e.shape) ||
		!Array.isArray(e.data_offsets)
	) {
		throw new WeightsError(`tensor "${name}" has a malformed header entry`, file, name);
	}
	const size = BYTES_PER_ELEMENT[e.dtype];
	if (size === undefined)
		throw new WeightsError(`tensor "${name}" has unsupported dtype ${e.dtype}`, file, name);
	if (!e.shape.every((d) => Number.isInteger(d) && d >= 0))
		throw new WeightsError(`tensor "${name}" has an invalid shape`, file, name);
	const [begin, end] = e.data_offsets;
	if (
		!Number.isInteger(begin) ||
		!Number.isInteger(end) ||
		begin < 0 ||
		end > dataLength ||
		end - begin !== elementCount(e.shape) * size
	) {
		throw new WeightsError(
			`tensor "${name}" has data offsets [${begin}, ${end}] that do not fit its shape or the file (truncated?)`,
			file,
			name,
		);
	}
	return e as HeaderEntry;
}

function decodeTensor(
	name: string,
	entry: HeaderEntry,
	raw: Uint8Array,
	file?: string,
): HostTensor {
	const n = elementCount(entry.shape);
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const shape = [...entry.shape];
	switch (entry.dtype) {
		case 'F32': {
			// Copying into a fresh Uint8Array gives an aligned buffer (the data section need not be 4-byte aligned).
			return { dtype: 'float32', shape, data: new Float32Array(new Uint8Array(raw).buffer) };
		}
		case 'F16':
		case 'BF16':
		case 'F64': {
			const data = new Float32Array(n);
			for (let i = 0; i < n; i++) {
				data[i] =
					entry.dtype === 'F64'
						? view.getFloat64(i * 8, true)
						: entry.dtype === 'F16'
							? float16ToFloat32(view.getUint16(i * 2, true))
							: bfloat16ToFloat32(view.getUint16(i * 2, true));
			}
			return { dtype: 'float32', shape, data };
		}
		case 'I64': {
			return { dtype: 'int64', shape, data: new BigInt64Array(new Uint8Array(raw).buffer) };
		}
		case 'I32':
		case 'I16':
		case 'I8':
		case 'U8':
		case 'BOOL': {
			const data = new BigInt64Array(n);
			const size = BYTES_PER_ELEMENT[entry.dtype];
			for (let i = 0; i < n; i++) {
				const v =
					size === 4
						? view.getInt32(i * 4, true)
						: size === 2
							? view.getInt16(i * 2, true)
							: entry.dtype === 'I8'
								? view.getInt8(i)
								: view.getUint8(i);
				data[i] = BigInt(v);
			}
			return { dtype: 'int64', shape, data };
		}
		default:
			throw new WeightsError(`tensor "${name}" has unsupported dtype ${entry.dtype}`, file, name);
	}
}

/** Serialise tensors (float32 → F32, int64 → I64) in the given order, with string metadata. */
export function writeSafetensors(
	tensors: StateDict,
	metadata: Record<string, string> = {},
): Buffer {
	const header: Record<string, unknown> = {};
	if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
	let offset = 0;
	for (const [name, tensor] of tensors) {
		const length = tensor.data.byteLength;
		header[name] = {
			dtype: tensor.dtype === 'float32' ? 'F32' : 'I64',
			shape: [...tensor.shape],
			data_offsets: [offset, offset + length],
		};
		offset += length;
	}
	let headerText = JSON.stringify(header);
	// The data section starts 8-byte aligned, as the reference writer does, so readers may map it directly.
	headerText += ' '.repeat((8 - ((8 + Buffer.byteLength(headerText)) % 8)) % 8);
	const headerBytes = Buffer.from(headerText, 'utf8');
	const out = Buffer.alloc(8 + headerBytes.length + offset);
	out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
	headerBytes.copy(out, 8);
	let position = 8 + headerBytes.length;
	for (const tensor of tensors.values()) {
		// Typed arrays are little-endian on every platform Node supports.
		Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).copy(
			out,
			position,
		);
		position += tensor.data.byteLength;
	}
	return out;
}
