import * as fs from 'node:fs/promises';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import sharp from 'sharp';
import { FileError } from '../errors';
import { mapLimited } from '../map-limited';
import { DEFAULT_PIXEL_LIMIT, describeDecodeFailure } from './image';
import type { LabelledImage } from './labelled-image';

/** What is wrong with a file or class; `kept` says whether the file is still used (a warning) or left out. */
export interface Problem {
	readonly file: string;
	readonly reason: string;
	readonly kind: ProblemKind;
	readonly kept: boolean;
}

export type ProblemKind =
	| 'unsupported-extension'
	| 'unreadable'
	| 'too-many-pixels'
	| 'link-outside-folder'
	| 'unknown-class'
	| 'tiny-image'
	| 'duplicate'
	| 'duplicate-across-classes'
	| 'class-too-small';

export interface ImageFolder {
	readonly root: string;
	/** Class names (subfolder names), sorted; a label is an index into this list. */
	readonly classes: string[];
	/** Readable images (of `train/` when the folder has a train/val layout). */
	readonly samples: LabelledImage[];
	/** Images of an explicit `val/` (or `validation/`) folder, with the same class list. */
	readonly explicitValidation?: LabelledImage[];
	/** Readable images per class (training part). */
	readonly counts: Record<string, number>;
	/** Files that were skipped or need a look, and why. They never stop a scan. */
	readonly problems: Problem[];
	/** SHA-256 of every readable image, to find copies without reading the files again. */
	readonly contentHashes: ReadonlyMap<string, string>;
}

export interface ScanOptions {
	/** Case-insensitive, without the dot. */
	readonly extensions?: readonly string[];
	readonly maxPerClass?: number;
	/** Images with more pixels are refused from their header, before any decoding (decompression bombs). */
	readonly limitInputPixels?: number;
}

/** Images with a side under this many pixels are kept but reported: upscaled to 224 they carry little detail. */
export const TINY_IMAGE_SIDE = 32;

// heic/heif are listed so that iPhone photos get a reason a user can act on, not "not an image extension".
export const DEFAULT_EXTENSIONS = [
	'jpg',
	'jpeg',
	'png',
	'webp',
	'avif',
	'tif',
	'tiff',
	'gif',
	'bmp',
	'heic',
	'heif',
];

/** Files operating systems and archivers leave behind; never images, never worth a report line. */
const LITTER = new Set(['.ds_store', 'thumbs.db', 'desktop.ini', '__macosx', '.git']);
const VALIDATION_FOLDERS = ['val', 'validation'];
/** Decoding a thumbnail is the cheapest check that catches truncated files, which headers do not reveal. */
const VERIFY_CONCURRENCY = 8;

/** Scan a folder with one subfolder per class (or `train/` + `val/` holding such subfolders). */
export async function scanImageFolder(
	root: string,
	options: ScanOptions = {},
): Promise<ImageFolder> {
	const resolved = path.resolve(root);
	const stat = await fs.stat(resolved).catch((error: NodeJS.ErrnoException) => {
		throw new FileError(
			root,
			error.code === 'ENOENT' ? 'folder does not exist' : `cannot be read (${error.code})`,
			{ cause: error },
		);
	});
	if (!stat.isDirectory()) throw new FileError(root, 'is not a folder');
	const top = await subfolders(resolved);
	const validationName = VALIDATION_FOLDERS.find((v) => top.includes(v));
	const split = top.includes('train') && validationName !== undefined;
	const trainRoot = split ? path.join(resolved, 'train') : resolved;
	const classes = await subfolders(trainRoot);
	if (classes.length === 0)
		throw new FileError(root, 'has no class subfolders (expected one folder of images per class)');
	const problems: Problem[] = [];
	const hashes = new Map<string, string>();
	const samples = await scanClasses(resolved, trainRoot, classes, options, problems, hashes);
	let explicitValidation: LabelledImage[] | undefined;
	if (split) {
		const validationRoot = path.join(resolved, validationName);
		const unknown = (await subfolders(validationRoot)).filter((c) => !classes.includes(c));
		for (const c of unknown) {
			problems.push({
				file: path.join(validationRoot, c),
				reason: `class "${c}" is not among the training classes; its images are left out`,
				kind: 'unknown-class',
				kept: false,
			});
		}
		explicitValidation = await scanClasses(
			resolved,
			validationRoot,
			classes,
			{ ...options, maxPerClass: undefined },
			problems,
			hashes,
		);
	}
	const counts = Object.fromEntries(
		classes.map((c, i) => [c, samples.filter((s) => s.label === i).length]),
	);
	return {
		root: resolved,
		classes,
		samples,
		explicitValidation,
		counts,
		problems,
		contentHashes: hashes,
	};
}

async function subfolders(dir: string): Promise<string[]> {
	const entries = await fs.readdir(dir, { withFileTypes: true });
	return entries
		.filter((e) => e.isDirectory() && !e.name.startsWith('.') && !LITTER.has(e.name.toLowerCase()))
		.map((e) => e.name)
		.sort();
}

async function scanClasses(
	root: string,
	base: string,
	classes: readonly string[],
	options: ScanOptions,
	problems: Problem[],
	hashes: Map<string, string>,
): Promise<LabelledImage[]> {
	const extensions = new Set(
		(options.extensions ?? DEFAULT_EXTENSIONS).map((e) => e.toLowerCase().replace(/^\./, '')),
	);
	const realRoot = await fs.realpath(root);
	const samples: LabelledImage[] = [];
	for (const [label, name] of classes.entries()) {
		const dir = path.join(base, name);
		const exists = await fs.stat(dir).then(
			(s) => s.isDirectory(),
			() => false,
		);
		if (!exists) continue;
		const files = (await listFiles(dir, realRoot, problems)).filter((file) => {
			const ext = path.extname(file).slice(1).toLowerCase();
			if (extensions.has(ext)) return true;
			problems.push({
				file,
				reason: `skipped: ".${ext || '(none)'}" is not one of the image extensions (${[...extensions].join(', ')})`,
				kind: 'unsupported-extension',
				kept: false,
			});
			return false;
		});
		const limit = options.limitInputPixels ?? DEFAULT_PIXEL_LIMIT;
		const checked = await mapLimited(files, VERIFY_CONCURRENCY, (file) =>
			inspectImage(file, limit),
		);
		// libvips keeps one error buffer per process: among parallel decodes a failing file can report another's message
		// or "Unknown error". Failures are rare; checking them again one at a time gives each its own reason.
		for (const [i, check] of checked.entries()) {
			if (!check.ok && check.kind === 'unreadable')
				checked[i] = await inspectImage(files[i], limit);
		}
		let kept = 0;
		files.forEach((file, i) => {
			const check = checked[i];
			if (!check.ok) {
				problems.push({ file, reason: check.reason, kind: check.kind, kept: false });
				return;
			}
			if (options.maxPerClass !== undefined && kept >= options.maxPerClass) return;
			if (Math.min(check.width, check.height) < TINY_IMAGE_SIDE) {
				problems.push({
					file,
					reason: `is only ${check.width}×${check.height} pixels; upscaled to the network input it carries little detail`,
					kind: 'tiny-image',
					kept: true,
				});
			}
			samples.push({ file, label });
			hashes.set(file, check.sha256);
			kept++;
		});
	}
	return samples;
}

/**
 * Files under a class folder (nested folders included), sorted, without hidden files and litter. A symbolic link is
 * followed only when it stays inside the dataset folder: a link to /etc/passwd named cat.jpg is reported, not read.
 */
async function listFiles(dir: string, realRoot: string, problems: Problem[]): Promise<string[]> {
	const out: string[] = [];
	for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
		if (entry.name.startsWith('.') || LITTER.has(entry.name.toLowerCase())) continue;
		const full = path.join(dir, entry.name);
		let isDirectory = entry.isDirectory();
		let isFile = entry.isFile();
		if (entry.isSymbolicLink()) {
			const target = await fs.realpath(full).catch(() => undefined);
			const relative = target === undefined ? '..' : path.relative(realRoot, target);
			if (target === undefined || relative.startsWith('..') || path.isAbsolute(relative)) {
				problems.push({
					file: full,
					reason: `is a link to ${target ?? 'a missing file'}, outside the dataset folder; not followed`,
					kind: 'link-outside-folder',
					kept: false,
				});
				continue;
			}
			const stat = await fs.stat(target);
			isDirectory = stat.isDirectory();
			isFile = stat.isFile();
		}
		if (isDirectory) out.push(...(await listFiles(full, realRoot, problems)));
		else if (isFile) out.push(full);
	}
	return out.sort();
}

export type ImageCheck =
	| {
			readonly ok: true;
			readonly width: number;
			readonly height: number;
			readonly format: string;
			readonly sha256: string;
	  }
	| {
			readonly ok: false;
			readonly reason: string;
			readonly kind: 'unreadable' | 'too-many-pixels';
	  };

/**
 * Whether an image (a file or its bytes) can be used: its header is read first, so a decompression bomb is refused
 * without decoding; then a thumbnail is decoded, the cheapest check that catches truncated data headers do not reveal.
 */
export async function inspectImage(
	source: string | Buffer,
	limitInputPixels = DEFAULT_PIXEL_LIMIT,
): Promise<ImageCheck> {
	let bytes: Buffer;
	try {
		bytes = typeof source === 'string' ? await fs.readFile(source) : source;
	} catch (error) {
		return {
			ok: false,
			kind: 'unreadable',
			reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
		};
	}
	if (bytes.length === 0) return { ok: false, kind: 'unreadable', reason: 'is empty (0 bytes)' };
	const heif = heifBrand(bytes);
	try {
		const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
		if (!meta.width || !meta.height)
			return { ok: false, kind: 'unreadable', reason: 'has no image dimensions' };
		if (meta.width * meta.height > limitInputPixels) {
			return {
				ok: false,
				kind: 'too-many-pixels',
				reason: `is ${meta.width}×${meta.height} pixels (${((meta.width * meta.height) / 1e6).toFixed(0)} megapixels), over the limit of ${(limitInputPixels / 1e6).toFixed(0)} megapixels; not decoded`,
			};
		}
		await sharp(bytes, { limitInputPixels, failOn: 'error' })
			.resize(16, 16, { fit: 'inside' })
			.raw()
			.toBuffer();
		const swap = (meta.orientation ?? 1) >= 5;
		return {
			ok: true,
			width: swap ? meta.height : meta.width,
			height: swap ? meta.width : meta.height,
			format: meta.format ?? 'unknown',
			sha256: createHash('sha256').update(bytes).digest('hex'),
		};
	} catch (error) {
		if (heif) {
			return {
				ok: false,
				kind: 'unreadable',
				reason: `is a HEIC/HEIF photo (${heif}), which this build of sharp cannot decode; export it as JPEG (iPhone: Settings → Camera → Formats → Most Compatible)`,
			};
		}
		return {
			ok: false,
			kind: 'unreadable',
			reason: describeDecodeFailure(error, limitInputPixels),
		};
	}
}

/** The ISO-BMFF brand of a HEIF-family file (`heic`, `mif1`, …), or undefined. */
function heifBrand(bytes: Buffer): string | undefined {
	if (bytes.length < 12 || bytes.toString('latin1', 4, 8) !== 'ftyp') return undefined;
	const brand = bytes.toString('latin1', 8, 12);
	return ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)
		? brand
		: undefined;
}

/** undefined when the image (a file or its bytes) can be used; otherwise the reason it cannot. */
export async function verifyImage(
	source: string | Buffer,
	limitInputPixels = DEFAULT_PIXEL_LIMIT,
): Promise<string | undefined> {
	const check = await inspectImage(source, limitInputPixels);
	return check.ok ? undefined : check.reason;
}
