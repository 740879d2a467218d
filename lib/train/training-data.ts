import { scanImageFolder, type ImageFolder } from '../data/dataset';
import { stratifiedSplit } from '../data/split';
import { InvalidParameterError } from '../errors';
import type { TrainingData } from '../data/training-data';

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
	const fraction = options.validationSplit ?? 0.2;
	if (!(fraction >= 0 && fraction <= 0.5))
		throw new InvalidParameterError(
			'validationSplit',
			`must be between 0 and 0.5, got ${fraction}`,
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
