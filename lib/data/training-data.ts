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
}

/** The manifest as the training loop's input: labels become indices into the class list. */
export function manifestToTrainingData(manifest: DatasetManifest): TrainingData {
	const index = new Map(manifest.classes.map((c, i) => [c, i]));
	const convert = (images: readonly ManifestImage[]): LabelledImage[] =>
		images.map((image) => ({ file: image.file, label: index.get(image.label)! }));
	return {
		classes: manifest.classes,
		train: convert(manifest.train),
		validation: convert(manifest.validation),
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
