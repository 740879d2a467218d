/**
 * Hand-made `.pth` parts for probing the reader with files torch would never write: a state-dict pickle whose
 * tensor layouts are given verbatim, a zip writer whose size fields may lie, and a DEFLATE stream of zeros of any
 * length that is built without ever holding the zeros.
 */

export interface PickledTensor {
	readonly storage: string;
	/** torch's storage class name, e.g. FloatStorage. */
	readonly type?: string;
	/** The element count the pickle gives the storage. */
	readonly numel: number;
	readonly offset?: number;
	readonly shape: readonly number[];
	readonly strides: readonly number[];
}

/** A protocol-2 pickle of `{name: torch._utils._rebuild_tensor_v2(storage, offset, shape, strides, False, OrderedDict())}`. */
export function stateDictPickle(tensors: Record<string, PickledTensor>): Uint8Array {
	const out: number[] = [0x80, 0x02, 0x7d, 0x28];
	const ascii = (s: string) => out.push(...Buffer.from(s, 'latin1'));
	const text = (s: string) => {
		const b = Buffer.from(s, 'utf8');
		out.push(
			0x58,
			b.length & 0xff,
			(b.length >> 8) & 0xff,
			(b.length >> 16) & 0xff,
			b.length >>> 24,
		);
		out.push(...b);
	};
	const int = (v: number) => {
		const b = Buffer.alloc(8);
		if (v >= -(2 ** 31) && v < 2 ** 31) {
			b.writeInt32LE(v);
			out.push(0x4a, ...b.subarray(0, 4));
		} else {
			b.writeBigInt64LE(BigInt(v));
			out.push(0x8a, 8, ...b);
		}
	};
	const tuple = (items: readonly number[]) => {
		out.push(0x28);
		items.forEach(int);
		out.push(0x74);
	};
	for (const [name, t] of Object.entries(tensors)) {
		text(name);
		ascii('ctorch._utils\n_rebuild_tensor_v2\n');
		out.push(0x28, 0x28);
		text('storage');
		ascii(`ctorch\n${t.type ?? 'FloatStorage'}\n`);
		text(t.storage);
		text('cpu');
		int(t.numel);
		out.push(0x74, 0x51);
		int(t.offset ?? 0);
		tuple(t.shape);
		tuple(t.strides);
		out.push(0x89);
		ascii('ccollections\nOrderedDict\n');
		out.push(0x29, 0x52, 0x74, 0x52);
	}
	out.push(0x75, 0x2e);
	return Uint8Array.from(out);
}

export function float32Bytes(values: readonly number[]): Uint8Array {
	return new Uint8Array(Float32Array.from(values).buffer);
}

export interface RawZipEntry {
	readonly name: string;
	/** 0 stored, 8 deflate; `data` is written as given (already compressed for 8). */
	readonly method: 0 | 8;
	readonly data: Uint8Array;
	/** The inflated size the headers claim; defaults to data.length. */
	readonly declaredSize?: number;
}

/** A plain (non-zip64) zip with the given, possibly lying, size fields; CRCs are left 0 (the reader ignores them). */
export function rawZip(entries: readonly RawZipEntry[]): Uint8Array {
	const parts: Uint8Array[] = [];
	const central: Uint8Array[] = [];
	let offset = 0;
	for (const e of entries) {
		const name = Buffer.from(e.name, 'utf8');
		const local = Buffer.alloc(30);
		local.writeUInt32LE(0x04034b50, 0);
		local.writeUInt16LE(20, 4);
		local.writeUInt16LE(e.method, 8);
		local.writeUInt32LE(e.data.length, 18);
		local.writeUInt32LE(e.declaredSize ?? e.data.length, 22);
		local.writeUInt16LE(name.length, 26);
		const record = Buffer.alloc(46);
		record.writeUInt32LE(0x02014b50, 0);
		record.writeUInt16LE(20, 4);
		record.writeUInt16LE(20, 6);
		record.writeUInt16LE(e.method, 10);
		record.writeUInt32LE(e.data.length, 20);
		record.writeUInt32LE(e.declaredSize ?? e.data.length, 24);
		record.writeUInt16LE(name.length, 28);
		record.writeUInt32LE(offset, 42);
		parts.push(local, name, e.data);
		central.push(record, name);
		offset += local.length + name.length + e.data.length;
	}
	const directorySize = central.reduce((n, b) => n + b.length, 0);
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(entries.length, 8);
	end.writeUInt16LE(entries.length, 10);
	end.writeUInt32LE(directorySize, 12);
	end.writeUInt32LE(offset, 16);
	return Buffer.concat([...parts, ...central, end]);
}

/**
 * A fixed-Huffman DEFLATE stream that inflates to `1 + 258 × matches` zero bytes: one literal 0, then back-references
 * of length 258 at distance 1 (13 bits each), i.e. about 1:1270.
 */
export function zerosDeflate(matches: number): Uint8Array {
	const out = new Uint8Array(Math.ceil((3 + 8 + 13 * matches + 7) / 8) + 1);
	let bit = 0;
	const write = (value: number, bits: number) => {
		for (let i = 0; i < bits; i++, bit++) if ((value >> i) & 1) out[bit >> 3] |= 1 << (bit & 7);
	};
	// Huffman codes are sent most significant bit first.
	const code = (value: number, bits: number) => {
		let reversed = 0;
		for (let i = 0; i < bits; i++) reversed |= ((value >> i) & 1) << (bits - 1 - i);
		write(reversed, bits);
	};
	write(1, 1); // BFINAL
	write(1, 2); // BTYPE 01: fixed Huffman
	code(0x30, 8); // literal 0
	// Length symbol 285 (= 258) is the 8-bit code 0xc5 and distance code 0 five zero bits: 13 bits per match.
	let match = 0;
	for (let i = 0; i < 8; i++) if ((0xc5 >> (7 - i)) & 1) match |= 1 << i;
	for (let m = 0; m < matches; m++) write(match, 13);
	code(0, 7); // end of block
	return out.subarray(0, (bit + 7) >> 3);
}
