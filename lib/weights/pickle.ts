import { WeightsError } from '../errors';

/**
 * A restricted unpickler for the subset of Python's pickle protocol (2–5) that `torch.save` writes. It builds only
 * plain data: numbers, strings, bytes, lists, tuples, dicts, and calls to an explicit allow-list of globals supplied
 * by the caller. Any other global (`os.system`, `builtins.eval`, …) is refused before anything could run — unlike
 * Python's own `pickle.load`, which executes whatever the file names.
 */

export type PickleValue =
	| null
	| boolean
	| number
	| bigint
	| string
	| Uint8Array
	| PickleValue[]
	| PickleTuple
	| PickleDict
	| PickleObject;

/** Tuples are kept distinct from lists (torch passes sizes and strides as tuples). */
export class PickleTuple {
	constructor(readonly items: PickleValue[]) {}
}

export class PickleDict {
	readonly entries = new Map<string | number | bigint, PickleValue>();
}

/** Whatever an allowed global or persistent id produces (a tensor, a storage reference, …). */
export class PickleObject {
	constructor(
		readonly kind: string,
		readonly value: unknown,
	) {}
}

export interface UnpickleHooks {
	/** Resolve `module.name` to a callable; return undefined to refuse it. */
	resolveGlobal(module: string, name: string): ((args: PickleValue[]) => PickleValue) | undefined;
	/** BINPERSID: torch's reference to a storage held outside the pickle. */
	persistentLoad(id: PickleValue): PickleValue;
}

/**
 * Values one pickle may create: ResNet-18's state dict takes about 5 000, a model of 8 000 tensors about 250 000.
 * Without a bound, a few megabytes of EMPTY_DICT opcodes would build millions of objects.
 */
export const MAX_PICKLE_VALUES = 2 ** 19;

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK | GlobalRef;

class GlobalRef {
	constructor(
		readonly qualified: string,
		readonly call: (args: PickleValue[]) => PickleValue,
	) {}
}

export function unpickle(data: Uint8Array, hooks: UnpickleHooks, file?: string): PickleValue {
	const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
	const decoder = new TextDecoder('utf-8');
	const stack: StackItem[] = [];
	const memo = new Map<number, StackItem>();
	let pos = 0;
	const fail = (message: string): never => {
		throw new WeightsError(`unreadable pickle: ${message} (byte ${pos})`, file);
	};
	const need = (n: number) => {
		if (pos + n > data.length) fail('unexpected end of data');
	};
	const u8 = () => (need(1), data[pos++]);
	const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
	const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
	const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
	const u64 = () => {
		need(8);
		const v = view.getBigUint64(pos, true);
		pos += 8;
		if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('length too large');
		return Number(v);
	};
	const bytes = (n: number) => (need(n), (pos += n), data.subarray(pos - n, pos));
	const line = () => {
		const end = data.indexOf(0x0a, pos);
		if (end < 0) fail('unterminated line');
		const text = decoder.decode(data.subarray(pos, end));
		pos = end + 1;
		return text;
	};
	let pushed = 0;
	const push = (item: StackItem) => {
		// Every opcode pushes at most one value, so this bounds what a crafted pickle can make us allocate.
		if (++pushed > MAX_PICKLE_VALUES)
			fail(`more than ${MAX_PICKLE_VALUES} values; a state dict needs far fewer`);
		stack.push(item);
	};
	const pop = (): StackItem => (stack.length === 0 ? fail('stack underflow') : stack.pop()!);
	const value = (item: StackItem): PickleValue => {
		if (item === MARK) return fail('a MARK used as a value');
		// An allowed global passed as data (torch names a storage's type this way) is just its name.
		if (item instanceof GlobalRef) return new PickleObject('global', item.qualified);
		return item as PickleValue;
	};
	const popMark = (): StackItem[] => {
		const index = stack.lastIndexOf(MARK);
		if (index < 0) fail('no MARK on the stack');
		const items = stack.splice(index + 1);
		stack.pop();
		return items;
	};
	const top = (): StackItem =>
		stack.length === 0 ? fail('stack underflow') : stack[stack.length - 1];
	const dictKey = (key: PickleValue): string | number | bigint => {
		if (typeof key === 'string' || typeof key === 'number' || typeof key === 'bigint') return key;
		return fail('dictionary key is not a string or number');
	};
	const setItems = (target: StackItem, pairs: StackItem[]) => {
		if (!(target instanceof PickleDict)) fail('SETITEM(S) on a non-dictionary');
		for (let i = 0; i + 1 < pairs.length; i += 2)
			(target as PickleDict).entries.set(dictKey(value(pairs[i])), value(pairs[i + 1]));
	};
	const appendItems = (target: StackItem, items: StackItem[]) => {
		if (!Array.isArray(target)) fail('APPEND(S) on a non-list');
		for (const item of items) (target as PickleValue[]).push(value(item));
	};
	const resolve = (module: string, name: string): GlobalRef => {
		const fn = hooks.resolveGlobal(module, name);
		if (!fn) {
			throw new WeightsError(
				`refused to load: the pickle references ${module}.${name}, which is not a tensor or container type (a .pth file can run code when opened by pickle; this reader never does)`,
				file,
			);
		}
		return new GlobalRef(`${module}.${name}`, fn);
	};
	const call = (fn: StackItem, args: PickleValue[]): PickleValue => {
		if (!(fn instanceof GlobalRef))
			return fail('REDUCE/NEWOBJ on something that is not an allowed global');
		return (fn as GlobalRef).call(args);
	};
	const tupleItems = (item: StackItem): PickleValue[] => {
		if (item instanceof PickleTuple) return item.items;
		return fail('expected a tuple of arguments');
	};

	for (;;) {
		const opcode = u8();
		switch (opcode) {
			case 0x80: // PROTO
				u8();
				break;
			case 0x95: // FRAME
				u64();
				break;
			case 0x2e: // STOP
				return value(pop());
			case 0x28: // MARK
				push(MARK);
				break;
			case 0x7d: // EMPTY_DICT
				push(new PickleDict());
				break;
			case 0x5d: // EMPTY_LIST
				push([]);
				break;
			case 0x29: // EMPTY_TUPLE
				push(new PickleTuple([]));
				break;
			case 0x74: // TUPLE
				push(new PickleTuple(popMark().map(value)));
				break;
			case 0x85: // TUPLE1
				push(new PickleTuple([value(pop())]));
				break;
			case 0x86: {
				// TUPLE2
				const b = value(pop());
				push(new PickleTuple([value(pop()), b]));
				break;
			}
			case 0x87: {
				// TUPLE3
				const c = value(pop());
				const b = value(pop());
				push(new PickleTuple([value(pop()), b, c]));
				break;
			}
			case 0x6c: // LIST
				push(popMark().map(value));
				break;
			case 0x64: {
				// DICT
				const dict = new PickleDict();
				setItems(dict, popMark());
				push(dict);
				break;
			}
			case 0x61: {
				// APPEND
				const item = pop();
				appendItems(top(), [item]);
				break;
			}
			case 0x65: {
				// APPENDS
				const items = popMark();
				appendItems(top(), items);
				break;
			}
			case 0x73: {
				// SETITEM
				const v = pop();
				const k = pop();
				setItems(top(), [k, v]);
				break;
			}
			case 0x75: {
				// SETITEMS
				const items = popMark();
				setItems(top(), items);
				break;
			}
			case 0x4e: // NONE
				push(null);
				break;
			case 0x88: // NEWTRUE
				push(true);
				break;
			case 0x89: // NEWFALSE
				push(false);
				break;
			case 0x4b: // BININT1
				push(u8());
				break;
			case 0x4d: // BININT2
				push(u16());
				break;
			case 0x4a: // BININT
				push(i32());
				break;
			case 0x8a: {
				// LONG1: little-endian two's complement
				const n = u8();
				let v = 0n;
				const raw = bytes(n);
				for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]);
				if (n > 0 && raw[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
				push(
					v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
						? Number(v)
						: v,
				);
				break;
			}
			case 0x47: // BINFLOAT (big-endian double)
				need(8);
				push(view.getFloat64(pos, false));
				pos += 8;
				break;
			case 0x58: // BINUNICODE
				push(decoder.decode(bytes(u32())));
				break;
			case 0x8c: // SHORT_BINUNICODE
				push(decoder.decode(bytes(u8())));
				break;
			case 0x8d: // BINUNICODE8
				push(decoder.decode(bytes(u64())));
				break;
			case 0x43: // SHORT_BINBYTES
				push(bytes(u8()).slice());
				break;
			case 0x42: // BINBYTES
				push(bytes(u32()).slice());
				break;
			case 0x71: // BINPUT
				memo.set(u8(), top());
				break;
			case 0x72: // LONG_BINPUT
				memo.set(u32(), top());
				break;
			case 0x94: // MEMOIZE
				memo.set(memo.size, top());
				break;
			case 0x68: // BINGET
			case 0x6a: {
				// LONG_BINGET
				const key = opcode === 0x68 ? u8() : u32();
				if (!memo.has(key)) fail(`memo entry ${key} is missing`);
				push(memo.get(key)!);
				break;
			}
			case 0x63: {
				// GLOBAL: "module\nname\n"
				const module = line();
				push(resolve(module, line()));
				break;
			}
			case 0x93: {
				// STACK_GLOBAL
				const name = value(pop());
				const module = value(pop());
				if (typeof module !== 'string' || typeof name !== 'string')
					fail('STACK_GLOBAL needs two strings');
				push(resolve(module as string, name as string));
				break;
			}
			case 0x52: {
				// REDUCE
				const args = tupleItems(pop());
				push(call(pop(), args));
				break;
			}
			case 0x81: {
				// NEWOBJ
				const args = tupleItems(pop());
				push(call(pop(), args));
				break;
			}
			case 0x62: {
				// BUILD: state for the object below. Only dictionaries take it (OrderedDict's `_metadata`),
				// and we keep their entries; any other target is refused.
				const state = value(pop());
				const target = top();
				if (!(target instanceof PickleDict)) fail('BUILD on an object that is not a dictionary');
				void state;
				break;
			}
			case 0x51: // BINPERSID
				push(hooks.persistentLoad(value(pop())));
				break;
			case 0x30: // POP
				pop();
				break;
			case 0x31: // POP_MARK
				popMark();
				break;
			case 0x32: // DUP
				push(top());
				break;
			default:
				fail(`unsupported opcode 0x${opcode.toString(16).padStart(2, '0')}`);
		}
	}
}
