import * as fs from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { FileError, WeightsError } from '../errors';
import { bfloat16ToFloat32, float16ToFloat32 } from './float-formats';
import { elementCount, type HostTensor, type StateDict } from './host-tensor';
import { PickleDict, PickleObject, PickleTuple, unpickle, type PickleValue } from './pickle';

/**
 * PyTorch `.pth`/`.pt` files as `torch.save` writes them since 1.6: a zip holding `<archive>/data.pkl` (the object
 * graph) and `<archive>/data/<key>` (raw little-endian storages). The pickle is read by our restricted unpickler,
 * which accepts tensors and containers only.
 */

interface StorageRef {
	readonly key: string;
	readonly dtype: StorageDtype;
}

type StorageDtype =
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

const STORAGE_TYPES: Record<string, StorageDtype> = {
	FloatStorage: 'float32',
	DoubleStorage: 'float64',
	HalfStorage: 'float16',
	BFloat16Storage: 'bfloat16',
	LongStorage: 'int64',
	IntStorage: 'int32',
	ShortStorage: 'int16',
	CharStorage: 'int8',
	ByteStorage: 'uint8',
	BoolStorage: 'bool',
};

const ELEMENT_BYTES: Record<StorageDtype, number> = {
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

export async function readPthFile(file: string): Promise<StateDict> {
	let bytes: Buffer;
	try {
		bytes = await fs.readFile(file);
	} catch (error) {
		throw new FileError(
			file,
			`cannot read the weights file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
			{ cause: error },
		);
	}
	return readPth(bytes, file);
}

export function readPth(bytes: Uint8Array, file?: string): StateDict {
	let entries: Record<string, Uint8Array>;
	try {
		entries = unzipSync(bytes);
	} catch (error) {
		throw new WeightsError(
			`is not a readable PyTorch zip archive (${error instanceof Error ? error.message : String(error)})`,
			file,
			undefined,
			{ cause: error },
		);
	}
	const pickleName = Object.keys(entries).find((name) => /^[^/]+\/data\.pkl$/.test(name));
	if (!pickleName)
		throw new WeightsError(
			'is a zip file but not a PyTorch checkpoint (no <archive>/data.pkl)',
			file,
		);
	const prefix = pickleName.slice(0, -'data.pkl'.length);
	const storages = new Map<string, Uint8Array>();
	const storage = (ref: StorageRef): Uint8Array => {
		let raw = storages.get(ref.key);
		if (!raw) {
			raw = entries[`${prefix}data/${ref.key}`];
			if (!raw) throw new WeightsError(`storage ${ref.key} is missing from the archive`, file);
			storages.set(ref.key, raw);
		}
		return raw;
	};

	const root = unpickle(
		entries[pickleName],
		{
			resolveGlobal: (module, name) => {
				if (module === 'collections' && name === 'OrderedDict') return () => new PickleDict();
				if (module === 'torch' && name in STORAGE_TYPES)
					return () => new PickleObject('storage-type', name);
				if (
					module === 'torch._utils' &&
					(name === '_rebuild_tensor_v2' || name === '_rebuild_tensor')
				) {
					return (args) => rebuildTensor(args, storage, file);
				}
				if (module === 'torch._utils' && name === '_rebuild_parameter') return (args) => args[0];
				if (module === 'torch._utils' && name === '_rebuild_parameter_with_state')
					return (args) => args[0];
				return undefined;
			},
			persistentLoad: (id) => {
				// ('storage', storage_type, key, location, numel)
				if (!(id instanceof PickleTuple) || id.items[0] !== 'storage')
					throw new WeightsError('unsupported persistent reference in the pickle', file);
				const [, type, key] = id.items;
				const typeName =
					type instanceof PickleObject ? String(type.value).replace(/^torch\./, '') : undefined;
				const dtype = typeName ? STORAGE_TYPES[typeName] : undefined;
				if (!dtype || (typeof key !== 'string' && typeof key !== 'number'))
					throw new WeightsError(`unsupported storage type ${typeName ?? String(type)}`, file);
				return new PickleObject('storage', { key: String(key), dtype } satisfies StorageRef);
			},
		},
		file,
	);
	return toStateDict(unwrap(root, file), file);
}

function rebuildTensor(
	args: PickleValue[],
	storage: (ref: StorageRef) => Uint8Array,
	file?: string,
): PickleValue {
	const [storageObject, offset, size, stride] = args;
	if (!(storageObject instanceof PickleObject) || storageObject.kind !== 'storage')
		throw new WeightsError('tensor without a storage', file);
	const ref = storageObject.value as StorageRef;
	const shape = intTuple(size, 'size', file);
	const strides = intTuple(stride, 'stride', file);
	if (typeof offset !== 'number' || strides.length !== shape.length)
		throw new WeightsError('tensor with malformed offset or strides', file);
	const raw = storage(ref);
	const elementBytes = ELEMENT_BYTES[ref.dtype];
	const available = Math.floor(raw.byteLength / elementBytes);
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const n = elementCount(shape);
	const floats = !['int64', 'int32', 'int16', 'int8', 'uint8', 'bool'].includes(ref.dtype);
	const out = floats ? new Float32Array(n) : new BigInt64Array(n);
	// Walk the logical (row-major) index space, mapping each element through the strides: views, transposes and
	// shared storages all read correctly.
	const index = new Array<number>(shape.length).fill(0);
	for (let i = 0; i < n; i++) {
		let at = offset;
		for (let d = 0; d < shape.length; d++) at += index[d] * strides[d];
		if (at < 0 || at >= available)
			throw new WeightsError(
				`tensor reads outside its storage (element ${at} of ${available})`,
				file,
			);
		const b = at * elementBytes;
		switch (ref.dtype) {
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
	const tensor: HostTensor =
		out instanceof Float32Array
			? { dtype: 'float32', shape, data: out }
			: { dtype: 'int64', shape, data: out };
	return new PickleObject('tensor', tensor);
}

function intTuple(value: PickleValue, what: string, file?: string): number[] {
	if (
		!(value instanceof PickleTuple) ||
		!value.items.every((v) => typeof v === 'number' && Number.isInteger(v))
	) {
		throw new WeightsError(`tensor ${what} is not a tuple of integers`, file);
	}
	return value.items as number[];
}

/** Training scripts often save `{"state_dict": …}` or `{"model": …}`; the weights are inside. */
function unwrap(root: PickleValue, file?: string): PickleDict {
	if (!(root instanceof PickleDict))
		throw new WeightsError('does not hold a state dict (a dictionary of tensors)', file);
	for (const key of ['state_dict', 'model', 'model_state_dict']) {
		const inner = root.entries.get(key);
		if (inner instanceof PickleDict) return inner;
	}
	return root;
}

function toStateDict(dict: PickleDict, file?: string): StateDict {
	const state: StateDict = new Map();
	const names = [...dict.entries.keys()].map(String);
	// nn.DataParallel saves every name with a `module.` prefix; it is not part of the architecture's names.
	const strip = names.length > 0 && names.every((n) => n.startsWith('module.'));
	for (const [key, value] of dict.entries) {
		const name = strip ? String(key).slice('module.'.length) : String(key);
		if (!(value instanceof PickleObject) || value.kind !== 'tensor')
			throw new WeightsError(`entry "${name}" is not a tensor`, file, name);
		state.set(name, value.value as HostTensor);
	}
	return state;
}
