import * as path from 'node:path';
import { InvalidParameterError } from '../errors';
import { checkOption } from '../options/option';
import { DATASET_OPTIONS } from '../options/dataset';
import { scanImageFolder, type Problem, type ScanOptions } from './dataset';
import { recommendFor, type Recommendation } from '../model-card/recommend';
import { contentHashes, duplicateProblems } from './duplicates';
import type { LabelledImage } from './labelled-image';
import { NOTHING_LEFT_OUT } from './problem';
import { stratifiedSplit } from './split';

/**
 * A dataset as JSON: which files, which labels, which split. This is what flows between n8n nodes (never the pixels),
 * so it must survive being stored in an execution and read back by another process.
 */
export interface DatasetManifest {
	readonly kind: typeof MANIFEST_KIND;
	readonly version: 1;
	/** Where the images came from: a folder path, or the content store for images that arrived as binary items. */
	readonly source: string;
	readonly classes: readonly string[];
	readonly train: readonly ManifestImage[];
	readonly validation: readonly ManifestImage[];
	/** How validation images were chosen: a separate folder, a seeded stratified split, or none. */
	readonly validationSource: 'folder' | 'split' | 'none';
	readonly split: { readonly fraction: number; readonly seed: number };
	readonly counts: Readonly<
		Record<string, { readonly train: number; readonly validation: number }>
	>;
	/** Files left out, and why; duplicates; classes too small to learn; tiny images. */
	readonly problems: readonly Problem[];
	readonly report: DatasetReport;
	readonly createdAt: string;
}

/** What a user should know before training on this dataset. */
export interface DatasetReport {
	readonly images: number;
	/** Largest class over smallest (1 = balanced). Above about 3, accuracy hides how the small classes do. */
	readonly imbalanceRatio: number | null;
	readonly smallestClass: string;
	readonly largestClass: string;
	readonly filesLeftOut: number;
	readonly duplicateGroups: number;
	readonly tinyImages: number;
	/** The model card's configuration for a dataset of this size. */
	readonly recommendation: Recommendation;
}

/** A manifest's image: a `LabelledImage` whose label is the class name, so the JSON reads on its own. */
export interface ManifestImage {
	readonly file: string;
	readonly label: string;
}

export const MANIFEST_KIND = 'resnet18-dataset';
/** The model card: under about 10 images a class cannot be learned or validated. */
export const MIN_IMAGES_PER_CLASS = 10;

export interface FolderManifestOptions extends ScanOptions {
	/** Share of each class held out for validation (0–0.5); ignored when a validation folder is given or found. */
	readonly validationSplit?: number;
	readonly seed?: number;
	/** A separate folder of class subfolders used for validation. */
	readonly validationFolder?: string;
}

/** Scan a folder of class subfolders (or `train/` + `val/`) into a manifest. */
export async function manifestFromFolder(
	root: string,
	options: FolderManifestOptions = {},
): Promise<DatasetManifest> {
	const fraction = checkOption(
		DATASET_OPTIONS.validationSplit,
		'validationSplit',
		options.validationSplit,
	);
	const seed = checkOption(DATASET_OPTIONS.seed, 'seed', options.seed);
	const folder = await scanImageFolder(root, options);
	const problems = [...folder.problems];
	const label = (s: LabelledImage): ManifestImage => ({
		file: s.file,
		label: folder.classes[s.label],
	});
	let train = folder.samples;
	let validation: typeof train = [];
	let validationSource: DatasetManifest['validationSource'];
	const hashes = new Map(folder.contentHashes);
	if (options.validationFolder) {
		const extra = await scanImageFolder(options.validationFolder, {
			...options,
			maxPerClass: undefined,
		});
		problems.push(...extra.problems);
		for (const [file, hash] of extra.contentHashes) hashes.set(file, hash);
		for (const c of extra.classes.filter((c) => !folder.classes.includes(c))) {
			problems.push({
				file: path.join(extra.root, c),
				reason: `class "${c}" of the validation folder is not among the training classes; its images are left out`,
				kind: 'unknown-class',
				kept: false,
			});
		}
		validation = extra.samples
			.filter((s) => folder.classes.includes(extra.classes[s.label]))
			.map((s) => ({ file: s.file, label: folder.classes.indexOf(extra.classes[s.label]) }));
		validationSource = 'folder';
	} else if (folder.explicitValidation) {
		validation = folder.explicitValidation;
		validationSource = 'folder';
	} else {
		({ train, validation } = stratifiedSplit(folder.samples, fraction, seed, (sample) =>
			folder.contentHashes.get(sample.file),
		));
		validationSource = fraction > 0 ? 'split' : 'none';
	}
	return buildManifest(
		{
			source: folder.root,
			classes: folder.classes,
			train: train.map(label),
			validation: validation.map(label),
			validationSource,
			split: { fraction, seed },
			problems,
		},
		hashes,
	);
}

/** Assemble a manifest: counts, duplicate files, too-small classes and the model card's recommendation. */
export async function buildManifest(
	parts: Omit<DatasetManifest, 'kind' | 'version' | 'counts' | 'createdAt' | 'report'>,
	knownHashes?: ReadonlyMap<string, string>,
): Promise<DatasetManifest> {
	const counts: Record<string, { train: number; validation: number }> = {};
	for (const c of parts.classes) counts[c] = { train: 0, validation: 0 };
	for (const image of parts.train) counts[image.label].train++;
	for (const image of parts.validation) counts[image.label].validation++;
	const problems = [...parts.problems];
	const totals = parts.classes.map((c) => counts[c].train + counts[c].validation);
	// A class folder without images is already reported, naming the folder; "only 0 images" would say it twice.
	const empty = new Set(
		problems
			.filter((p) => p.kind === 'empty-class')
			.map((p) => path.basename(p.file).normalize('NFC')),
	);
	parts.classes.forEach((c, i) => {
		if (totals[i] === 0 && empty.has(c)) return;
		if (totals[i] < MIN_IMAGES_PER_CLASS) {
			problems.push({
				file: c,
				reason: `class "${c}" has only ${totals[i]} image${totals[i] === 1 ? '' : 's'}; at least ${MIN_IMAGES_PER_CLASS} per class are needed to learn and validate it`,
				kind: 'class-too-small',
				kept: true,
			});
		}
	});
	const all = [...parts.train, ...parts.validation];
	const duplicates = duplicateProblems(all, await contentHashes(all, knownHashes));
	problems.push(...duplicates);
	const largest = totals.indexOf(Math.max(...totals));
	const smallest = totals.indexOf(Math.min(...totals));
	const report: DatasetReport = {
		images: all.length,
		imbalanceRatio: totals[smallest] > 0 ? totals[largest] / totals[smallest] : null,
		smallestClass: parts.classes[smallest] ?? '',
		largestClass: parts.classes[largest] ?? '',
		filesLeftOut: problems.filter((p) => !p.kept && !NOTHING_LEFT_OUT.has(p.kind)).length,
		duplicateGroups: duplicates.length,
		tinyImages: problems.filter((p) => p.kind === 'tiny-image').length,
		recommendation: recommendFor(parts.train.length),
	};
	return {
		kind: MANIFEST_KIND,
		version: 1,
		...parts,
		counts,
		problems,
		report,
		createdAt: new Date().toISOString(),
	};
}

/** Check that JSON from an upstream node (or an expression) is a manifest, naming what is wrong. */
export function parseManifest(value: unknown, parameter = 'dataset'): DatasetManifest {
	if (typeof value === 'string') {
		// Pasted into a JSON field, or read from a file: the same manifest as text.
		try {
			value = JSON.parse(value) as unknown;
		} catch {
			throw new InvalidParameterError(
				parameter,
				'is text that is not JSON; connect Load Image Dataset, or use {{ $json }}',
			);
		}
	}
	const fail = (why: string): never => {
		throw new InvalidParameterError(
			parameter,
			`is not a dataset manifest from the Load Image Dataset node: ${why}`,
		);
	};
	if (typeof value !== 'object' || value === null) return fail('expected an object');
	const m = value as Partial<DatasetManifest>;
	if (m.kind !== MANIFEST_KIND)
		return fail(`"kind" is ${JSON.stringify(m.kind)}, expected "${MANIFEST_KIND}"`);
	if (!Array.isArray(m.classes) || !m.classes.every((c) => typeof c === 'string'))
		return fail('"classes" must be a list of names');
	for (const key of ['train', 'validation'] as const) {
		const list = m[key];
		if (!Array.isArray(list)) return fail(`"${key}" must be a list of images`);
		const bad = list.find(
			(image) => typeof image?.file !== 'string' || !m.classes!.includes(image?.label),
		);
		if (bad)
			return fail(
				`"${key}" has an entry ${JSON.stringify(bad).slice(0, 200)} whose label is not one of the classes`,
			);
	}
	return m as DatasetManifest;
}

/**
 * Manifest images labelled by a model's own class indices, for evaluating a model on a dataset: a class the model
 * was not trained on cannot be scored, and is an error naming it.
 */
export function labelsForModel(
	images: readonly ManifestImage[],
	modelClasses: readonly string[],
): LabelledImage[] {
	const index = new Map(modelClasses.map((c, i) => [c, i]));
	return images.map((image) => {
		const label = index.get(image.label);
		if (label === undefined) {
			throw new InvalidParameterError(
				'dataset',
				`class "${image.label}" (${image.file}) is not one the model knows (${modelClasses.join(', ')})`,
			);
		}
		return { file: image.file, label };
	});
}
