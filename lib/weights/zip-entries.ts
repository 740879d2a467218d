import { Inflate } from 'fflate';
import { WeightsError } from '../errors';

/**
 * The zip container of a `.pth`, read from its central directory so that nothing is inflated until the caller knows
 * how many bytes an entry may hold. fflate's `unzipSync` inflates every entry into a buffer of its declared size;
 * a hostile archive declares (or inflates to) gigabytes, so entries are read one by one against a byte cap instead.
 */

export interface ZipEntry {
	readonly name: string;
	/** 0 stored, 8 deflate: the only two methods torch (or any zip tool it reads from) writes. */
	readonly method: number;
	readonly compressedSize: number;
	/** What the central directory says the entry holds once inflated; checked against the real length. */
	readonly declaredSize: number;
	/** Where the entry's (possibly compressed) bytes begin. */
	readonly dataOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Compressed bytes handed to the inflater at a time: each push yields at most ~1032× this (DEFLATE's ceiling). */
const INFLATE_CHUNK = 8 * 1024;

/** The archive's entries by name; nothing is decompressed. */
export function listZipEntries(bytes: Uint8Array, file?: string): Map<string, ZipEntry> {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const fail = (message: string): never => {
		throw new WeightsError(`is not a readable PyTorch zip archive (${message})`, file);
	};
	const u16 = (at: number) =>
		at + 2 <= bytes.length ? view.getUint16(at, true) : fail('truncated');
	const u32 = (at: number) =>
		at + 4 <= bytes.length ? view.getUint32(at, true) : fail('truncated');
	const u64 = (at: number) => {
		if (at + 8 > bytes.length) fail('truncated');
		const v = view.getBigUint64(at, true);
		return v > BigInt(Number.MAX_SAFE_INTEGER) ? fail('a zip64 size is too large') : Number(v);
	};

	// The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
	let eocd = -1;
	for (let at = bytes.length - 22; at >= 0 && at >= bytes.length - 22 - 0xffff; at--) {
		if (view.getUint32(at, true) === EOCD) {
			eocd = at;
			break;
		}
	}
	if (eocd < 0) fail('no end of central directory; the file is truncated or not a zip');
	let count = u16(eocd + 10);
	let directorySize = u32(eocd + 12);
	let directoryOffset = u32(eocd + 16);
	const zip64 = eocd >= 20 && u32(eocd - 20) === ZIP64_LOCATOR;
	if (zip64) {
		const record = u64(eocd - 12);
		if (u32(record) !== ZIP64_EOCD) fail('broken zip64 end of central directory');
		count = u64(record + 32);
		directorySize = u64(record + 40);
		directoryOffset = u64(record + 48);
	}
	// Each central record is at least 46 bytes, so the count cannot outgrow the directory (nor the directory the file).
	if (directoryOffset + directorySize > bytes.length || count * 46 > directorySize)
		fail('central directory out of bounds');

	const entries = new Map<string, ZipEntry>();
	const decoder = new TextDecoder('utf-8');
	let at = directoryOffset;
	for (let i = 0; i < count; i++) {
		if (u32(at) !== CENTRAL) fail(`bad central directory record ${i}`);
		const flags = u16(at + 8);
		const method = u16(at + 10);
		let compressedSize = u32(at + 20);
		let declaredSize = u32(at + 24);
		const nameLength = u16(at + 28);
		const extraLength = u16(at + 30);
		const commentLength = u16(at + 32);
		let localOffset = u32(at + 42);
		if (at + 46 + nameLength + extraLength > bytes.length) fail('truncated');
		const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
		// zip64: the 0xffffffff fields are replaced, in this order, by 8-byte values in extra field 0x0001.
		let extra = at + 46 + nameLength;
		const extraEnd = extra + extraLength;
		while (extra + 4 <= extraEnd) {
			const id = u16(extra);
			const size = u16(extra + 2);
			if (id === 0x0001) {
				let field = extra + 4;
				const next = () => ((field += 8), u64(field - 8));
				if (declaredSize === 0xffffffff) declaredSize = next();
				if (compressedSize === 0xffffffff) compressedSize = next();
				if (localOffset === 0xffffffff) localOffset = next();
			}
			extra += 4 + size;
		}
		at = extraEnd + commentLength;
		if (flags & 1) fail(`entry ${name} is encrypted`);
		if (method !== 0 && method !== 8) fail(`entry ${name} uses compression method ${method}`);
		if (entries.has(name)) fail(`entry ${name} appears twice`);
		if (u32(localOffset) !== LOCAL) fail(`entry ${name} has no local header`);
		const dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
		if (dataOffset + compressedSize > bytes.length)
			fail(`entry ${name} runs past the end of the file`);
		entries.set(name, { name, method, compressedSize, declaredSize, dataOffset });
	}
	return entries;
}

/**
 * An entry's bytes, refused (naming the entry) when its declared or actual inflated length exceeds `cap`. Stored
 * entries are views of `bytes`, not copies; deflated ones are inflated in small steps into a buffer of the declared
 * size, so a lying size field costs at most one step's output before it is caught.
 */
export function readZipEntry(
	bytes: Uint8Array,
	entry: ZipEntry,
	cap: number,
	what: string,
	file?: string,
	tensor?: string,
): Uint8Array {
	const refuse = (message: string): never => {
		throw new WeightsError(`archive entry ${entry.name} ${message}`, file, tensor);
	};
	if (entry.declaredSize > cap)
		refuse(`declares ${entry.declaredSize} bytes, more than the ${cap} that ${what} takes`);
	const compressed = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
	if (entry.method === 0) {
		if (entry.compressedSize !== entry.declaredSize)
			refuse(`is stored with ${entry.compressedSize} bytes but declares ${entry.declaredSize}`);
		return compressed;
	}
	const out = new Uint8Array(entry.declaredSize);
	let written = 0;
	const inflater = new Inflate((chunk) => {
		if (written + chunk.length > out.length)
			refuse(`inflates to more than its declared ${entry.declaredSize} bytes (a zip bomb?)`);
		out.set(chunk, written);
		written += chunk.length;
	});
	try {
		for (let from = 0; from < compressed.length || from === 0; from += INFLATE_CHUNK) {
			const to = Math.min(from + INFLATE_CHUNK, compressed.length);
			inflater.push(compressed.subarray(from, to), to >= compressed.length);
		}
	} catch (error) {
		if (error instanceof WeightsError) throw error;
		refuse(`cannot be inflated (${error instanceof Error ? error.message : String(error)})`);
	}
	if (written !== out.length)
		refuse(`inflates to ${written} bytes, not the ${entry.declaredSize} it declares`);
	return out;
}
