import * as path from 'node:path';
import { FileError } from '../errors';
import type { LabelledImage } from './labelled-image';
import {
	manifestFromFolder,
	type DatasetManifest,
	type FolderManifestOptions,
	type ManifestImage,
} from './manifest';

/** What training reads: the class names and the labelled images of each side of the split. */
export interface TrainingData {
	readonly classes: readonly string[];
	readonly train: readonly LabelledImage[];
	readonly validation: readonly LabelledImage[];
	/** How the validation images were chosen, when a manifest says (part of the dataset snapshot id). */
	readonly split?: DatasetSplit;
}

/** The split as Load Image Dataset made it: a separate folder, or a seeded stratified split of a fraction, or none. */
export interface DatasetSplit {
	readonly source: 'folder' | 'split' | 'none';
	readonly fraction: number;
	readonly seed: number;
}

/**
 * The manifest as the training loop's input: labels become indices into the class list. Refused, naming the folder,
 * when fewer than 2 classes have a training image: there is nothing to tell apart.
 */
export function manifestToTrainingData(manifest: DatasetManifest): TrainingData {
	requireTwoTrainedClasses(manifest);
	const index = new Map(manifest.classes.map((c, i) => [c, i]));
	const convert = (images: readonly ManifestImage[]): LabelledImage[] =>
		images.map((image) => ({ file: image.file, label: index.get(image.label)! }));
	return {
		classes: manifest.classes,
		train: convert(manifest.train),
		validation: convert(manifest.validation),
		split: { source: manifest.validationSource, ...manifest.split },
	};
}

/**
 * A folder of class subfolders (or `train/` + `val/`, or a separate validation folder) as training data, by the same
 * rules as Load Image Dataset: the seeded stratified split never puts copies of one image on both sides. The manifest
 * says how validation was chosen and what was left out or is suspect (unreadable files, duplicates, small classes).
 */
export async function trainingDataFromFolder(
	root: string,
	options: FolderManifestOptions = {},
): Promise<{ readonly data: TrainingData; readonly manifest: DatasetManifest }> {
	const manifest = await manifestFromFolder(root, options);
	return { data: manifestToTrainingData(manifest), manifest };
}

function requireTwoTrainedClasses(manifest: DatasetManifest): void {
	const trained = new Set(manifest.train.map((image) => image.label));
	if (trained.size >= 2) return;
	// Name the empty classes by their folders where the scan reported them.
	const folders = new Map(
		(manifest.problems ?? [])
			.filter((p) => p.kind === 'empty-class')
			.map((p) => [path.basename(p.file).normalize('NFC'), p.file]),
	);
	const empty = manifest.classes
		.filter((c) => !trained.has(c))
		.map((c) => folders.get(c) ?? `"${c}"`);
	const found = trained.size === 0 ? 'none' : `only ${[...trained].map((c) => `"${c}"`).join('')}`;
	throw new FileError(
		manifest.source,
		`training needs images in at least 2 class folders, found ${found}${empty.length > 0 ? `; no training image in ${empty.join(', ')}` : ''}; add images, or another class folder`,
	);
}
