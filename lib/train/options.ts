import { checkOption, type NumberSpec, type OptionTable } from '../options/option';
import { checkGiven, defaultsOf, withDefaults, type Naming } from '../options/resolve';
import {
	TRAIN_OPTIONS,
	type PublishKey,
	type RangedOption,
	type TrainOptions,
	type TrainOptionsTable,
} from '../options/train';

export type { TrainOptions } from '../options/train';

/**
 * Training options with the model card's defaults and ranges (the table is lib/options/train.ts). They are re-checked
 * here, not only in the n8n editor: expressions and the CLI bypass the editor's min/max.
 */
const PUBLISHING: readonly string[] = [
	'includeModelBinary',
	'minAccuracyToPublish',
	'alsoSave',
] satisfies readonly PublishKey[];

/** The table's training options: everything but what the Train node does with the trained model. */
export const TRAINING_OPTIONS = Object.fromEntries(
	Object.entries(TRAIN_OPTIONS).filter(([key]) => !PUBLISHING.includes(key)),
) as TrainOptionsTable;

export const TRAIN_DEFAULTS: TrainOptions = defaultsOf(TRAINING_OPTIONS);

type Range = { readonly min: number; readonly max: number; readonly integer: boolean };

/** Each number option's range, from the table (kept for callers of earlier versions). */
export const TRAIN_RANGES = Object.fromEntries(
	Object.entries(TRAINING_OPTIONS as OptionTable)
		.filter(
			(entry): entry is [string, NumberSpec] =>
				entry[1].type === 'number' || entry[1].type === 'integer',
		)
		.map(([key, spec]) => [
			key,
			{ min: spec.min, max: spec.max ?? Infinity, integer: spec.type === 'integer' },
		]),
) as Readonly<Record<RangedOption, Range>>;

export function checkRange(parameter: RangedOption, value: unknown): number {
	return checkOption(TRAINING_OPTIONS[parameter], parameter, value);
}

/** Options as they arrive from a CLI, an n8n expression or code: anything, checked here. */
export type TrainOptionsInput = Partial<Record<keyof TrainOptions, unknown>>;

/** The training options that were given, checked; those left out are Auto's to fill (or the defaults). */
export function checkTrainOptions(
	input: TrainOptionsInput,
	nameOf?: Naming,
): Partial<TrainOptions> {
	return checkGiven(TRAINING_OPTIONS, input, nameOf);
}

export function resolveTrainOptions(input: TrainOptionsInput = {}): TrainOptions {
	return withDefaults(TRAINING_OPTIONS, checkTrainOptions(input));
}
