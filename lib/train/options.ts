import { AUGMENTATION_CHOICES, type AugmentationChoice } from '../data/augment';
import { InvalidParameterError } from '../errors';
import { FINE_TUNE_CHOICES, type FineTuneChoice } from './fine-tune';
import { PRESET_CHOICES, type PresetChoice } from './auto-preset';
import { CLASS_WEIGHT_CHOICES, type ClassWeightChoice } from './objective';

/**
 * Training options with the model card's defaults and ranges. They are re-checked here, not only in the n8n editor:
 * expressions and the CLI bypass the editor's min/max.
 */
export interface TrainOptions {
	/** `manual`: the values given; `auto`: the model card's settings for the dataset size (explicit values still win). */
	readonly preset: PresetChoice;
	/** Images per optimiser step. Model card: 4–8 on CPU, 8–16 for a 4 GB GPU, 32–64 for 8 GB, 64–128 for 16 GB+. */
	readonly batchSize: number;
	/** Passes over the training images. Model card: 15–30 for 100–1,000 images, 5–15 for 1k–10k, 1–5 above 10k. */
	readonly epochs: number;
	/** Adam step size. Model card: 5e-5 standard fine-tuning, 1e-4 for larger datasets, 1e-5 for tiny ones. */
	readonly learningRate: number;
	/** Evaluate on the validation split every N epochs (and always after the last). */
	readonly evalSteps: number;
	/** Side of the square network input (torchvision: 224). */
	readonly imageSize: number;
	/** Augmentation preset; `auto` follows the model card's table for the number of training images. */
	readonly augment: AugmentationChoice;
	/** Seeds initialisation, shuffling and augmentation. */
	readonly seed: number;
	/** Which layers learn; `auto` picks by backend speed and whether pretrained weights are given. */
	readonly fineTune: FineTuneChoice;
	/** `adam` (torch's defaults), `adamw` (Adam with decoupled weight decay) or `sgd` (momentum 0.9, torch semantics). */
	readonly optimizer: 'adam' | 'adamw' | 'sgd';
	/** AdamW's weight decay λ (convolution and classifier weights only). */
	readonly weightDecay: number;
	/** `constant`, or warm-up then cosine decay to 0, stepped per batch. */
	readonly schedule: 'constant' | 'cosine';
	/** Epochs of linear learning-rate warm-up before the cosine decay. */
	readonly warmupEpochs: number;
	/** Save the best validated epoch's weights rather than the last epoch's. */
	readonly keepBest: boolean;
	/** Stop after this many validations without a lower validation loss (0: never stop early). */
	readonly earlyStoppingPatience: number;
	/** Seeded reshuffle every epoch (off only to compare with another framework image for image). */
	readonly shuffle: boolean;
	/** ε of label smoothing: targets are (1 − ε) on the true class and ε spread over all classes. */
	readonly labelSmoothing: number;
	/** Per-class loss weights: `balanced` from the training counts, `auto` only when the classes are imbalanced. */
	readonly classWeights: ClassWeightChoice;
	/** Largest global L2 norm of a step's gradients; 0 turns clipping off. */
	readonly gradientClipNorm: number;
	/** The pretrained body's learning rate as a fraction of the classifier's (discriminative fine-tuning); 1: same. */
	readonly bodyLearningRateFactor: number;
}

export const TRAIN_DEFAULTS: TrainOptions = {
	preset: 'manual',
	batchSize: 8,
	epochs: 1,
	learningRate: 5e-5,
	evalSteps: 1,
	imageSize: 224,
	augment: 'auto',
	fineTune: 'auto',
	shuffle: true,
	optimizer: 'adam',
	weightDecay: 0.01,
	schedule: 'constant',
	warmupEpochs: 0,
	keepBest: true,
	earlyStoppingPatience: 0,
	seed: 42,
	labelSmoothing: 0,
	classWeights: 'auto',
	gradientClipNorm: 0,
	bodyLearningRateFactor: 1,
};

export const TRAIN_RANGES = {
	batchSize: { min: 1, max: 128, integer: true },
	epochs: { min: 1, max: 50, integer: true },
	learningRate: { min: 1e-5, max: 1e-3, integer: false },
	evalSteps: { min: 1, max: 50, integer: true },
	imageSize: { min: 32, max: 512, integer: true },
	seed: { min: 0, max: 2 ** 31 - 1, integer: true },
	earlyStoppingPatience: { min: 0, max: 50, integer: true },
	weightDecay: { min: 0, max: 1, integer: false },
	warmupEpochs: { min: 0, max: 10, integer: true },
	labelSmoothing: { min: 0, max: 0.5, integer: false },
	gradientClipNorm: { min: 0, max: 100, integer: false },
	bodyLearningRateFactor: { min: 0.01, max: 1, integer: false },
} as const;

type RangedOption = keyof typeof TRAIN_RANGES;

export function checkRange(parameter: RangedOption, value: unknown): number {
	const range = TRAIN_RANGES[parameter];
	if (typeof value !== 'number' || !Number.isFinite(value)) {
		throw new InvalidParameterError(parameter, `must be a number, got ${JSON.stringify(value)}`);
	}
	if (range.integer && !Number.isInteger(value))
		throw new InvalidParameterError(parameter, `must be a whole number, got ${value}`);
	// A relative tolerance keeps 0.00001 typed in an editor (which may arrive as 9.999999e-6) inside the range.
	const slack = range.integer ? 0 : range.min * 1e-9;
	if (value < range.min - slack || value > range.max + slack) {
		throw new InvalidParameterError(
			parameter,
			`must be between ${range.min} and ${range.max}, got ${value}`,
		);
	}
	return value;
}

/** Options as they arrive from a CLI, an n8n expression or code: anything, checked here. */
export type TrainOptionsInput = Partial<Record<keyof TrainOptions, unknown>>;

export function resolveTrainOptions(input: TrainOptionsInput = {}): TrainOptions {
	const pick = (key: RangedOption): number => checkRange(key, input[key] ?? TRAIN_DEFAULTS[key]);
	// true/false from earlier versions (and the CLI's --no-augment) still work.
	const raw = input.augment ?? TRAIN_DEFAULTS.augment;
	const augment = raw === true ? 'standard' : raw === false ? 'none' : raw;
	if (
		typeof augment !== 'string' ||
		!(AUGMENTATION_CHOICES as readonly string[]).includes(augment)
	) {
		throw new InvalidParameterError(
			'augment',
			`must be one of ${AUGMENTATION_CHOICES.join(', ')}, got ${JSON.stringify(raw)}`,
		);
	}
	return {
		preset: pickChoice('preset', input.preset ?? TRAIN_DEFAULTS.preset, PRESET_CHOICES),
		batchSize: pick('batchSize'),
		epochs: pick('epochs'),
		learningRate: pick('learningRate'),
		evalSteps: pick('evalSteps'),
		imageSize: pick('imageSize'),
		seed: pick('seed'),
		augment: augment as AugmentationChoice,
		fineTune: pickChoice('fineTune', input.fineTune ?? TRAIN_DEFAULTS.fineTune, FINE_TUNE_CHOICES),
		shuffle: pickBoolean('shuffle', input.shuffle ?? TRAIN_DEFAULTS.shuffle),
		optimizer: pickChoice('optimizer', input.optimizer ?? TRAIN_DEFAULTS.optimizer, [
			'adam',
			'adamw',
			'sgd',
		] as const),
		weightDecay: pick('weightDecay'),
		schedule: pickChoice('schedule', input.schedule ?? TRAIN_DEFAULTS.schedule, [
			'constant',
			'cosine',
		] as const),
		warmupEpochs: pick('warmupEpochs'),
		keepBest: pickBoolean('keepBest', input.keepBest ?? TRAIN_DEFAULTS.keepBest),
		earlyStoppingPatience: pick('earlyStoppingPatience'),
		labelSmoothing: pick('labelSmoothing'),
		classWeights: pickChoice(
			'classWeights',
			input.classWeights ?? TRAIN_DEFAULTS.classWeights,
			CLASS_WEIGHT_CHOICES,
		),
		gradientClipNorm: pick('gradientClipNorm'),
		bodyLearningRateFactor: pick('bodyLearningRateFactor'),
	};
}

function pickChoice<T extends string>(parameter: string, value: unknown, choices: readonly T[]): T {
	if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
		throw new InvalidParameterError(
			parameter,
			`must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`,
		);
	}
	return value as T;
}

function pickBoolean(parameter: string, value: unknown): boolean {
	if (typeof value !== 'boolean')
		throw new InvalidParameterError(
			parameter,
			`must be true or false, got ${JSON.stringify(value)}`,
		);
	return value;
}
