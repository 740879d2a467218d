import * as fs from 'node:fs/promises';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import sharp from 'sharp';
import { FileError } from '../errors';
import { mapLimited } from '../map-limited';
import { ClassFileWalk } from './class-files';
import { listClassFolders, type ClassFolder } from './class-folders';
import { checkPixelLimit, describeDecodeFailure } from './image';
import type { LabelledImage } from './labelled-image';
import type { Problem } from './problem';
import { isLitter } from './scan-paths';

export type { Problem, ProblemKind } from './problem';

export interface ImageFolder {
	readonly root: string;
	/** Class names (subfolder names, Unicode-normalised), sorted; a label is an index into this list. */
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

const VALIDATION_FOLDERS = ['val', 'validation'];
/** Decoding a thumbnail is the cheapest check that catches truncated files, which headers do not reveal. */
const VERIFY_CONCURRENCY = 8;

/** Scan a folder with one subfolder per class (or `train/` + `val/` holding such subfolders). */
export async function scanImageFolder(
	root: string,
	options: ScanOptions = {},
): Promise<ImageFolder> {
	// Checked before the folder is read: a bad limit would refuse (or, at 0, let through) every image.
	checkPixelLimit(options.limitInputPixels);
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
	const validationRoot = split ? path.join(resolved, validationName) : undefined;
	const realRoot = await fs.realpath(resolved);
	const problems: Problem[] = [];
	const reserved = validationRoot
		? [{ dir: validationRoot, real: await fs.realpath(validationRoot) }]
		: [];
	const classFolders = await listClassFolders(trainRoot, realRoot, problems, reserved);
	const classes = classFolders.map((c) => c.name);
	if (classes.length === 0)
		throw new FileError(root, 'has no class subfolders (expected one folder of images per class)');
	const validationFolders = validationRoot
		? await listClassFolders(validationRoot, realRoot, problems, classFolders)
		: [];
	const walk = new ClassFileWalk(realRoot, [...classFolders, ...validationFolders], problems);
	const hashes = new Map<string, string>();
	const samples = await scanClasses(walk, classFolders, options, problems, hashes, true);
	let explicitValidation: LabelledImage[] | undefined;
	if (validationRoot) {
		for (const c of validationFolders.filter((f) => !classes.includes(f.name))) {
			problems.push({
				file: c.dir,
				reason: `class "${c.name}" is not among the training classes; its images are left out`,
				kind: 'unknown-class',
				kept: false,
			});
		}
		// In the training classes' order, so that a label means the same class on both sides.
		const byName = new Map(validationFolders.map((f) => [f.name, f]));
		explicitValidation = await scanClasses(
			walk,
			classes.map((c) => byName.get(c)),
			{ ...options, maxPerClass: undefined },
			problems,
			hashes,
			false,
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

/** The top level's real subfolders, to tell a `train/` + `val/` layout. */
async function subfolders(dir: string): Promise<string[]> {
	const entries = await fs.readdir(dir, { withFileTypes: true });
	return entries
		.filter((e) => e.isDirectory() && !e.name.startsWith('.') && !isLitter(e.name))
		.map((e) => e.name);
}

/**
 * The usable images of each class folder, labelled by position in `folders` (undefined: the class has no folder on
 * this side). With `reportEmpty`, a class left without a usable image is a problem: the model would get an output
 * it can never learn.
 */
async function scanClasses(
	walk: ClassFileWalk,
	folders: readonly (ClassFolder | undefined)[],
	options: ScanOptions,
	problems: Problem[],
	hashes: Map<string, string>,
	reportEmpty: boolean,
): Promise<LabelledImage[]> {
	const extensions = new Set(
		(options.extensions ?? DEFAULT_EXTENSIONS).map((e) => e.toLowerCase().replace(/^\./, '')),
	);
	const samples: LabelledImage[] = [];
	for (const [label, folder] of folders.entries()) {
		if (folder === undefined) continue;
		const files = (await walk.filesOf(folder)).filter((file) => {
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
		const limit = checkPixelLimit(options.limitInputPixels);
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
		if (reportEmpty && kept === 0) {
			problems.push({
				file: folder.dir,
				reason: `class "${folder.name}" has no usable image; the model would get an output it can never learn (add images or remove the folder)`,
				kind: 'empty-class',
				kept: true,
			});
		}
	}
	return samples;
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
	limitInputPixels?: number,
): Promise<ImageCheck> {
	const limit = checkPixelLimit(limitInputPixels);
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
		if (meta.width * meta.height > limit) {
			return {
				ok: false,
				kind: 'too-many-pixels',
				reason: `is ${meta.width}×${meta.height} pixels (${((meta.width * meta.height) / 1e6).toFixed(0)} megapixels), over the limit of ${(limit / 1e6).toFixed(0)} megapixels; not decoded`,
			};
		}
		await sharp(bytes, { limitInputPixels: limit, failOn: 'error' })
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
			reason: describeDecodeFailure(error, limit),
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
	limitInputPixels?: number,
): Promise<string | undefined> {
	const check = await inspectImage(source, limitInputPixels);
	return check.ok ? undefined : check.reason;
}
