import type { LabelledImage } from './labelled-image';

/** The classes, and which images train and which validate. */
export interface TrainingData {
	readonly classes: readonly string[];
	readonly train: readonly LabelledImage[];
	readonly validation: readonly LabelledImage[];
}
