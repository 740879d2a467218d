import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { FileError } from '../errors';
import { mapLimited } from '../map-limited';
import { DEFAULT_PIXEL_LIMIT, describeDecodeFailure } from './image';

export interface Sample {
	readonly file: string;
	readonly label: number;
}

export interface Problem {
	readonly file: string;
	readonly reason: string;
}

export interface ImageFolder {
	readonly root: string;
	/** Class names (subfolder names), sorted; a label is an index into this list. */
	readonly classes: string[];
	/** Readable images (of `train/` when the folder has a train/val layout). */
	readonly samples: Sample[];
	/** Images of an explicit `val/` (or `validation/`) folder, with the same class list. */
	readonly explicitValidation?: Sample[];
	/** Readable images per class (training part). */
	readonly counts: Record<string, number>;
	/** Files that were skipped, and why. They never stop a scan. */
	readonly problems: Problem[];
}

export interface ScanOptions {
	/** Case-insensitive, without the dot. */
	readonly extensions?: readonly string[];
	readonly maxPerClass?: number;
	readonly limitInputPixels?: number;
}

export const DEFAULT_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'avif', 'tif', 'tiff', 'gif', 'bmp'];

/** Files operating systems and archivers leave behind; never images, never worth a report line. */
const LITTER = new Set(['.ds_store', 'thumbs.db', 'desktop.ini', '__macosx', '.git']);
const VALIDATION_FOLDERS = ['val', 'validation'];
/** Decoding a thumbnail is the cheapest check that catches truncated files, which headers do not reveal. */
const VERIFY_CONCURRENCY = 8;

/** Scan a folder with one subfolder per class (or `train/` + `val/` holding such subfolders). */
export async function scanImageFolder(root: string, options: ScanOptions = {}): Promise<ImageFolder> {
	const resolved = path.resolve(root);
	const stat = await fs.stat(resolved).catch((error: NodeJS.ErrnoException) => {
		throw new FileError(root, error.code === 'ENOENT' ? 'folder does not exist' : `cannot be read (${error.code})`, { cause: error });
	});
	if (!stat.isDirectory()) throw new FileError(root, 'is not a folder');
	const top = await subfolders(resolved);
	const validationName = VALIDATION_FOLDERS.find((v) => top.includes(v));
	const split = top.includes('train') && validationName !== undefined;
	const trainRoot = split ? path.join(resolved, 'train') : resolved;
	const classes = await subfolders(trainRoot);
	if (classes.length === 0) throw new FileError(root, 'has no class subfolders (expected one folder of images per class)');
	const problems: Problem[] = [];
	const samples = await scanClasses(trainRoot, classes, options, problems);
	let explicitValidation: Sample[] | undefined;
	if (split) {
		const validationRoot = path.join(resolved, validationName);
		const unknown = (await subfolders(validationRoot)).filter((c) => !classes.includes(c));
		for (const c of unknown) problems.push({ file: path.join(validationRoot, c), reason: `class "${c}" is not among the training classes` });
		explicitValidation = await scanClasses(validationRoot, classes, { ...options, maxPerClass: undefined }, problems);
	}
	const counts = Object.fromEntries(classes.map((c, i) => [c, samples.filter((s) => s.label === i).length]));
	return { root: resolved, classes, samples, explicitValidation, counts, problems };
}

async function subfolders(dir: string): Promise<string[]> {
	const entries = await fs.readdir(dir, { withFileTypes: true });
	return entries
		.filter((e) => e.isDirectory() && !e.name.startsWith('.') && !LITTER.has(e.name.toLowerCase()))
		.map((e) => e.name)
		.sort();
}

async function scanClasses(base: string, classes: readonly string[], options: ScanOptions, problems: Problem[]): Promise<Sample[]> {
	const extensions = new Set((options.extensions ?? DEFAULT_EXTENSIONS).map((e) => e.toLowerCase().replace(/^\./, '')));
	const samples: Sample[] = [];
	for (const [label, name] of classes.entries()) {
		const dir = path.join(base, name);
		const exists = await fs.stat(dir).then((s) => s.isDirectory(), () => false);
		if (!exists) continue;
		const files = (await listFiles(dir)).filter((file) => {
			const ext = path.extname(file).slice(1).toLowerCase();
			if (extensions.has(ext)) return true;
			problems.push({ file, reason: `skipped: ".${ext || '(none)'}" is not one of the image extensions (${[...extensions].join(', ')})` });
			return false;
		});
		const checked = await mapLimited(files, VERIFY_CONCURRENCY, (file) => verifyImage(file, options.limitInputPixels ?? DEFAULT_PIXEL_LIMIT));
		let kept = 0;
		files.forEach((file, i) => {
			const failure = checked[i];
			if (failure) problems.push({ file, reason: failure });
			else if (options.maxPerClass === undefined || kept < options.maxPerClass) {
				samples.push({ file, label });
				kept++;
			}
		});
	}
	return samples;
}

/** Files under a class folder (nested folders included), sorted, without hidden files and litter. */
async function listFiles(dir: string): Promise<string[]> {
	const out: string[] = [];
	for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
		if (entry.name.startsWith('.') || LITTER.has(entry.name.toLowerCase())) continue;
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) out.push(...(await listFiles(full)));
		else if (entry.isFile()) out.push(full);
	}
	return out.sort();
}

/** undefined when the image (a file or its bytes) decodes; otherwise the reason it cannot be used. */
export async function verifyImage(source: string | Buffer, limitInputPixels = DEFAULT_PIXEL_LIMIT): Promise<string | undefined> {
	try {
		const size = typeof source === 'string' ? (await fs.stat(source)).size : source.length;
		if (size === 0) return 'is empty (0 bytes)';
		const meta = await sharp(source, { limitInputPixels }).metadata();
		if (!meta.width || !meta.height) return 'has no image dimensions';
		if (meta.width * meta.height > limitInputPixels) {
			return `is ${meta.width}×${meta.height} pixels, over the limit of ${(limitInputPixels / 1e6).toFixed(0)} megapixels`;
		}
		await sharp(source, { limitInputPixels, failOn: 'error' }).resize(16, 16, { fit: 'inside' }).raw().toBuffer();
		return undefined;
	} catch (error) {
		return describeDecodeFailure(error, limitInputPixels);
	}
}
