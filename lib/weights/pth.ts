import * as fs from 'node:fs/promises';
import { FileError, WeightsError } from '../errors';
import { checkFiniteStateDict } from './finite-state-dict';
import type { StateDict } from './host-tensor';
import { PickleDict, PickleObject, PickleTuple, unpickle, type PickleValue } from './pickle';
import {
	checkLayout,
	ELEMENT_BYTES,
	materialise,
	type StorageDtype,
	type StorageRef,
	type TensorLayout,
} from './tensor-layout';
import { listZipEntries, readZipEntry, type ZipEntry } from './zip-entries';

/**
 * PyTorch `.pth`/`.pt` files as `torch.save` writes them since 1.6: a zip holding `<archive>/data.pkl` (the object
 * graph) and `<archive>/data/<key>` (raw little-endian storages). The pickle is read by our restricted unpickler,
 * which accepts tensors and containers only. Nothing is inflated or materialised before it is known to be needed and
 * within bounds: the pickle first yields tensor layouts, which are checked against their storages' sizes; then only
 * the storages the state dict uses are read, each capped at the size the pickle gives it.
 */

/** A state-dict pickle is ~20 KB for ResNet-18; 16 MiB is room for ~10 000 tensors. */
export const MAX_PICKLE_BYTES = 16 * 2 ** 20;
/**
 * Bytes the materialised state dict may take beyond the file's own size. A float32 file becomes about its own size
 * in memory (float16 twice that); more can only come from aliased views or compression, i.e. a crafted file.
 */
export const MATERIALISED_SLACK_BYTES = 64 * 2 ** 20;
/** Inflated bytes of deflated entries allowed beyond the file's size (torch stores entries uncompressed). */
export const INFLATE_SLACK_BYTES = 32 * 2 ** 20;

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
	const entries = listZipEntries(bytes, file);
	const pickleName = [...entries.keys()].find((name) => /^[^/]+\/data\.pkl$/.test(name));
	if (!pickleName)
		throw new WeightsError(
			'is a zip file but not a PyTorch checkpoint (no <archive>/data.pkl)',
			file,
		);
	const prefix = pickleName.slice(0, -'data.pkl'.length);
	const pickle = readZipEntry(
		bytes,
		entries.get(pickleName)!,
		MAX_PICKLE_BYTES,
		'a state-dict pickle',
		file,
	);
	const layouts = toLayouts(unwrap(unpickleLayouts(pickle, file), file), file);

	let materialised = 0;
	const users = new Map<string, number>();
	const empty = new Set<string>();
	for (const [name, layout] of layouts) {
		const count = checkLayout(layout, name, file);
		// Float storages are read as float32, integer ones as int64.
		materialised += count * (layout.storage.dtype.includes('float') ? 4 : 8);
		if (materialised > bytes.length + MATERIALISED_SLACK_BYTES)
			throw new WeightsError(
				`tensor "${name}" brings the state dict to ${materialised} bytes in memory, more than the file's ${bytes.length} + ${MATERIALISED_SLACK_BYTES} (aliased views or a compressed bomb)`,
				file,
				name,
			);
		if (count === 0) empty.add(name);
		else users.set(layout.storage.key, (users.get(layout.storage.key) ?? 0) + 1);
	}

	// A storage is read when its first tensor is, and dropped after its last, so inflated copies do not pile up.
	const inflateBudget = { left: bytes.length + INFLATE_SLACK_BYTES };
	const raw = new Map<string, Uint8Array>();
	const state: StateDict = new Map();
	for (const [name, layout] of layouts) {
		const { key } = layout.storage;
		if (empty.has(name)) {
			state.set(name, materialise(layout, new Uint8Array(0)));
			continue;
		}
		let storage = raw.get(key);
		if (!storage) {
			storage = readStorage(bytes, entries, prefix, layout.storage, inflateBudget, name, file);
			raw.set(key, storage);
		}
		state.set(name, materialise(layout, storage));
		const left = users.get(key)! - 1;
		users.set(key, left);
		if (left === 0) raw.delete(key);
	}
	checkFiniteStateDict(state, file);
	return state;
}

function readStorage(
	bytes: Uint8Array,
	entries: Map<string, ZipEntry>,
	prefix: string,
	ref: StorageRef,
	budget: { left: number },
	tensor: string,
	file?: string,
): Uint8Array {
	const entry = entries.get(`${prefix}data/${ref.key}`);
	if (!entry)
		throw new WeightsError(
			`storage ${ref.key} of tensor "${tensor}" is missing from the archive`,
			file,
			tensor,
		);
	const size = ref.numel * ELEMENT_BYTES[ref.dtype];
	// An entry declaring more than `size` is refused by readZipEntry, naming it; the budget is for the rest.
	if (entry.method !== 0 && entry.declaredSize <= size) {
		if (entry.declaredSize > budget.left)
			throw new WeightsError(
				`archive entry ${entry.name} would inflate the archive past ${bytes.length + INFLATE_SLACK_BYTES} bytes (the file's size + ${INFLATE_SLACK_BYTES}); torch stores storages uncompressed, re-save the file with torch.save`,
				file,
				tensor,
			);
		budget.left -= entry.declaredSize;
	}
	const storage = readZipEntry(
		bytes,
		entry,
		size,
		`storage ${ref.key} (${ref.numel} × ${ref.dtype})`,
		file,
		tensor,
	);
	if (storage.length !== size)
		throw new WeightsError(
			`archive entry ${entry.name} holds ${storage.length} bytes, but the pickle gives storage ${ref.key} ${ref.numel} × ${ref.dtype} = ${size} bytes`,
			file,
			tensor,
		);
	return storage;
}

/** The object graph, with every tensor left as an unchecked layout (no storage is touched here). */
function unpickleLayouts(pickle: Uint8Array, file?: string): PickleValue {
	const storages = new Map<string, StorageRef>();
	return unpickle(
		pickle,
		{
			resolveGlobal: (module, name) => {
				if (module === 'collections' && name === 'OrderedDict') return () => new PickleDict();
				if (module === 'torch' && Object.hasOwn(STORAGE_TYPES, name))
					return () => new PickleObject('storage-type', name);
				if (
					module === 'torch._utils' &&
					(name === '_rebuild_tensor_v2' || name === '_rebuild_tensor')
				) {
					return (args) => tensorLayout(args, file);
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
				const [, type, key, , numel] = id.items;
				const typeName =
					type instanceof PickleObject ? String(type.value).replace(/^torch\./, '') : undefined;
				const dtype =
					typeName && Object.hasOwn(STORAGE_TYPES, typeName) ? STORAGE_TYPES[typeName] : undefined;
				if (!dtype || (typeof key !== 'string' && typeof key !== 'number'))
					throw new WeightsError(`unsupported storage type ${typeName ?? String(type)}`, file);
				if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
					throw new WeightsError(
						`storage ${String(key)} has an invalid element count ${String(numel)}`,
						file,
					);
				const ref: StorageRef = { key: String(key), dtype, numel };
				const seen = storages.get(ref.key);
				if (seen && (seen.dtype !== dtype || seen.numel !== numel))
					throw new WeightsError(
						`storage ${ref.key} is described twice, as ${seen.numel} × ${seen.dtype} and ${numel} × ${dtype}`,
						file,
					);
				storages.set(ref.key, ref);
				return new PickleObject('storage', ref);
			},
		},
		file,
	);
}

function tensorLayout(args: PickleValue[], file?: string): PickleValue {
	const [storageObject, offset, size, stride] = args;
	if (!(storageObject instanceof PickleObject) || storageObject.kind !== 'storage')
		throw new WeightsError('tensor without a storage', file);
	if (typeof offset !== 'number') throw new WeightsError('tensor with a malformed offset', file);
	const layout: TensorLayout = {
		storage: storageObject.value as StorageRef,
		offset,
		shape: intTuple(size, 'size', file),
		strides: intTuple(stride, 'stride', file),
	};
	return new PickleObject('tensor', layout);
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

function toLayouts(dict: PickleDict, file?: string): Map<string, TensorLayout> {
	const state = new Map<string, TensorLayout>();
	const names = [...dict.entries.keys()].map(String);
	// nn.DataParallel saves every name with a `module.` prefix; it is not part of the architecture's names.
	const strip = names.length > 0 && names.every((n) => n.startsWith('module.'));
	for (const [key, value] of dict.entries) {
		const name = strip ? String(key).slice('module.'.length) : String(key);
		if (!(value instanceof PickleObject) || value.kind !== 'tensor')
			throw new WeightsError(`entry "${name}" is not a tensor`, file, name);
		state.set(name, value.value as TensorLayout);
	}
	return state;
}
