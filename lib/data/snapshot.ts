import { createHash } from 'node:crypto';
import { FileError } from '../errors';
import { contentHashes } from './duplicates';
import type { TrainingData } from './training-data';

/**
 * What a training run learned from, as Roboflow's dataset versions name it: ids that change when any image's bytes,
 * any label, the split or the augmentation changes, and not when the folder is moved or renamed (images are taken by
 * content, after the split has kept copies of one image on one side).
 */
export interface DatasetSnapshot {
	/** `ds-` + 24 hex digits of SHA-256 over classes, split, augmentation and every image's label and content. */
	readonly id: string;
	/** `vs-` + 24 hex: the validation images alone (class name and content); what Evaluate compares its images with. */
	readonly validation: string | null;
}

const FORMAT = 'n8n-nodes-resnet18/dataset-snapshot/1';

export async function datasetSnapshot(
	data: TrainingData,
	settings: { readonly augmentation: string },
): Promise<DatasetSnapshot> {
	const train = await labelledContent(data.train, data.classes);
	const validation = await labelledContent(data.validation, data.classes);
	const id = digest('ds', {
		format: FORMAT,
		classes: data.classes,
		split: data.split ?? null,
		augmentation: settings.augmentation,
		train,
		validation,
	});
	return { id, validation: validation.length > 0 ? validationId(validation) : null };
}

/**
 * The `vs-` id of a set of labelled images (class name, file): what a model's validation split is compared with.
 * Class names, not indices: a folder evaluated later may list its classes in another order.
 */
export async function validationSplitId(
	images: readonly { readonly file: string; readonly label: string }[],
): Promise<string | null> {
	if (images.length === 0) return null;
	const hashes = await hashesOf(images);
	return validationId(images.map((image, i) => [image.label, hashes[i]] as const).sort(byPair));
}

function validationId(entries: readonly (readonly [string, string])[]): string {
	return digest('vs', { format: FORMAT, validation: entries });
}

async function labelledContent(
	images: TrainingData['train'],
	classes: readonly string[],
): Promise<(readonly [string, string])[]> {
	const hashes = await hashesOf(images);
	return images.map((image, i) => [classes[image.label], hashes[i]] as const).sort(byPair);
}

async function hashesOf(images: readonly { readonly file: string }[]): Promise<string[]> {
	const hashes = await contentHashes(images);
	return hashes.map((hash, i) => {
		// Training has just read it; a file gone since is named rather than left out of the id.
		if (hash === undefined)
			throw new FileError(images[i].file, 'cannot be read to fingerprint the dataset');
		return hash;
	});
}

function byPair(a: readonly [string, string], b: readonly [string, string]): number {
	return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

function digest(prefix: string, value: unknown): string {
	return `${prefix}-${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 24)}`;
}

/** Evaluate's line on its images: the model's own validation split, another one, or unknown. */
export interface SplitCheck {
	readonly split: string | null;
	readonly modelValidation: string | null;
	readonly sameAsValidation: boolean | null;
	readonly note: string;
}

export async function checkEvaluationSplit(
	images: readonly { readonly file: string; readonly label: string }[],
	modelValidation: string | null | undefined,
): Promise<SplitCheck> {
	const split = await validationSplitId(images);
	if (!modelValidation)
		return {
			split,
			modelValidation: null,
			sameAsValidation: null,
			note: 'the model file records no validation split (trained without validation images, or before dataset snapshots), so whether these images are its own validation split is unknown',
		};
	const same = split === modelValidation;
	return {
		split,
		modelValidation,
		sameAsValidation: same,
		note: same
			? 'these are the images the model was validated on (its validation split)'
			: `these are not the images the model was validated on (${split ?? 'no images'} ≠ ${modelValidation}): a new test set, or images it trained on; its validation figures are not these`,
	};
}
