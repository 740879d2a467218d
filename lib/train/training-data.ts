import { scanImageFolder, type ImageFolder } from '../data/dataset';
import { stratifiedSplit } from '../data/split';
import { checkOption } from '../options/option';
import { DATASET_OPTIONS } from '../options/dataset';
import type { TrainingData } from './train';

export interface PreparedData extends TrainingData {
	readonly folder: ImageFolder;
	/** How the validation images were chosen. */
	readonly validationSource: 'folder' | 'split' | 'none';
}

/**
 * A class-per-subfolder directory as training data: an explicit `val/` folder when the layout has one, otherwise a
 * stratified, seeded split of the given fraction.
 */
export async function prepareTrainingData(
	root: string,
	options: { validationSplit?: number; seed?: number; maxPerClass?: number } = {},
): Promise<PreparedData> {
	const fraction = checkOption(
		DATASET_OPTIONS.validationSplit,
		'validationSplit',
		options.validationSplit,
	);
	const folder = await scanImageFolder(root, { maxPerClass: options.maxPerClass });
	if (folder.explicitValidation) {
		return {
			folder,
			classes: folder.classes,
			train: folder.samples,
			validation: folder.explicitValidation,
			validationSource: 'folder',
		};
	}
	const { train, validation } = stratifiedSplit(folder.samples, fraction, options.seed ?? 42);
	return {
		folder,
		classes: folder.classes,
		train,
		validation,
		validationSource: fraction > 0 ? 'split' : 'none',
	};
}
