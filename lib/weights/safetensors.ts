import { WeightsError } from '../errors';
import { bfloat16ToFloat32, float16ToFloat32, float32ToFloat16 } from './float-formats';
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

/**
 * Larger headers are not produced by any writer we know of (the reference reader has the same cap); refusing them
 * bounds the JSON parse.
 */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

interface HeaderEntry {
	dtype: string;
	shape: number[];
	data_offsets: [number, number];
}

/**
 * Every structural fact of the header is checked before a byte of tensor data is copied, so a hostile or damaged
 * file is refused with the tensor it lies about, not with an allocation failure or garbage weights.
 */
export function readSafetensors(bytes: Uint8Array, file?: string): SafetensorsFile {
	if (bytes.byteLength < 8)
		throw new WeightsError('not a safetensors file (shorter than its 8-byte header length)', file);
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	// Compared as a bigint: a u64 beyond 2^53 would round as a number.
	const declared = view.getBigUint64(0, true);
	if (declared > BigInt(MAX_HEADER_BYTES)) {
		throw new WeightsError(
			`not a safetensors file (header length ${declared} is over the ${MAX_HEADER_BYTES}-byte limit)`,
			file,
		);
	}
	const headerLength = Number(declared);
	if (8 + headerLength > bytes.byteLength) {
		throw new WeightsError(
			`not a safetensors file (header length ${headerLength} exceeds the file's ${bytes.byteLength} bytes; truncated?)`,
			file,
		);
	}
	const header = parseHeader(bytes.subarray(8, 8 + headerLength), file);
	const dataStart = 8 + headerLength;
	const dataLength = bytes.byteLength - dataStart;
	const entries = Object.entries(header)
		.filter(([name]) => name !== '__metadata__')
		.map(([name, entry]) => [name, checkEntry(name, entry, dataLength, file)] as const)
		// File order: the state dict keeps the order the tensors' bytes are in.
		.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
	checkNoOverlap(entries, file);
	const metadata = checkMetadata(header.__metadata__, file);
	const tensors: StateDict = new Map();
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
	return { tensors, metadata };
}

function parseHeader(raw: Uint8Array, file?: string): Record<string, unknown> {
	let header: unknown;
	try {
		header = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
	} catch (error) {
		throw new WeightsError('not a safetensors file (its header is not JSON)', file, undefined, {
			cause: error,
		});
	}
	if (!isPlainObject(header)) {
		throw new WeightsError(
			`not a safetensors file (its header is ${describe(header)}, not a JSON object of tensors)`,
			file,
		);
	}
	return header;
}

function checkEntry(name: string, entry: unknown, dataLength: number, file?: string): HeaderEntry {
	const fail = (what: string): never => {
		throw new WeightsError(`tensor "${name}" ${what}`, file, name);
	};
	if (!isPlainObject(entry))
		return fail(`has a malformed header entry (${describe(entry)}, not an object)`);
	const { dtype, shape, data_offsets: offsets } = entry;
	if (typeof dtype !== 'string') return fail('has no dtype');
	const size = BYTES_PER_ELEMENT[dtype];
	if (size === undefined)
		return fail(
			`has unsupported dtype ${clip(JSON.stringify(dtype))} (supported: ${Object.keys(BYTES_PER_ELEMENT).join(', ')})`,
		);
	if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
		return fail(
			`has an invalid shape ${clip(JSON.stringify(shape))} (non-negative integers expected)`,
		);
	if (
		!Array.isArray(offsets) ||
		offsets.length !== 2 ||
		!offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)
	)
		return fail(
			`has invalid data offsets ${clip(JSON.stringify(offsets))} ([begin, end] byte offsets expected)`,
		);
	const [begin, end] = offsets as [number, number];
	if (end < begin || end > dataLength) {
		return fail(
			`has data offsets [${begin}, ${end}] outside the file's ${dataLength} data bytes (truncated?)`,
		);
	}
	const expected = elementCount(shape as number[]) * size;
	if (end - begin !== expected) {
		return fail(
			`has data offsets [${begin}, ${end}] (${end - begin} bytes) but its shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes`,
		);
	}
	return { dtype, shape: shape as number[], data_offsets: [begin, end] };
}

/**
 * Two tensors sharing bytes would alias each other's weights: no writer does that, so it means a forged header.
 * `entries` are sorted by start; empty tensors occupy no bytes.
 */
function checkNoOverlap(entries: readonly (readonly [string, HeaderEntry])[], file?: string): void {
	const byStart = entries.filter(([, e]) => e.data_offsets[1] > e.data_offsets[0]);
	for (let i = 1; i < byStart.length; i++) {
		const [previous, p] = byStart[i - 1];
		const [name, e] = byStart[i];
		if (e.data_offsets[0] < p.data_offsets[1]) {
			throw new WeightsError(
				`tensor "${name}" has data offsets [${e.data_offsets.join(', ')}] overlapping those of "${previous}" [${p.data_offsets.join(', ')}]`,
				file,
				name,
			);
		}
	}
}

function checkMetadata(raw: unknown, file?: string): Record<string, string> {
	const metadata: Record<string, string> = {};
	if (raw === undefined) return metadata;
	if (!isPlainObject(raw))
		throw new WeightsError(
			`__metadata__ is ${describe(raw)}, not an object of strings`,
			file,
			'__metadata__',
		);
	for (const [key, value] of Object.entries(raw)) {
		if (typeof value !== 'string')
			throw new WeightsError(
				`__metadata__.${key} is ${describe(value)}, not a string`,
				file,
				'__metadata__',
			);
		metadata[key] = value;
	}
	return metadata;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a JSON value for an error message (a long string is cut). */
function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'object') return 'an object';
	return `${typeof value} ${clip(JSON.stringify(value))}`;
}

/** Header values are the file's, so an error quotes at most the start of one. */
function clip(text: string | undefined): string {
	if (text === undefined) return 'nothing';
	return text.length > 60 ? `${text.slice(0, 60)}…` : text;
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

/** How float tensors are stored: F32 as trained, or F16 (half the bytes; every weight rounded to binary16). */
export type FloatStorage = 'F32' | 'F16';

/** Serialise tensors (float32 → F32 or F16, int64 → I64) in the given order, with string metadata. */
export function writeSafetensors(
	tensors: StateDict,
	metadata: Record<string, string> = {},
	floats: FloatStorage = 'F32',
): Buffer {
	const stored = new Map<string, { dtype: string; bytes: Uint8Array }>();
	for (const [name, tensor] of tensors) {
		const half = floats === 'F16' && tensor.dtype === 'float32';
		const data = half ? toFloat16(tensor.data) : tensor.data;
		stored.set(name, {
			dtype: half ? 'F16' : tensor.dtype === 'float32' ? 'F32' : 'I64',
			// Typed arrays are little-endian on every platform Node supports.
			bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
		});
	}
	const header: Record<string, unknown> = {};
	if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
	let offset = 0;
	for (const [name, { dtype, bytes }] of stored) {
		header[name] = {
			dtype,
			shape: [...tensors.get(name)!.shape],
			data_offsets: [offset, offset + bytes.byteLength],
		};
		offset += bytes.byteLength;
	}
	let headerText = JSON.stringify(header);
	// The data section starts 8-byte aligned, as the reference writer does, so readers may map it directly.
	headerText += ' '.repeat((8 - ((8 + Buffer.byteLength(headerText)) % 8)) % 8);
	const headerBytes = Buffer.from(headerText, 'utf8');
	const out = Buffer.alloc(8 + headerBytes.length + offset);
	out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
	headerBytes.copy(out, 8);
	let position = 8 + headerBytes.length;
	for (const { bytes } of stored.values()) {
		out.set(bytes, position);
		position += bytes.byteLength;
	}
	return out;
}

function toFloat16(data: Float32Array): Uint16Array {
	const half = new Uint16Array(data.length);
	for (let i = 0; i < data.length; i++) half[i] = float32ToFloat16(data[i]);
	return half;
}
