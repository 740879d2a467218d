import type { IExecuteFunctions } from 'n8n-workflow';
import { DATASET_OPTIONS, InvalidParameterError, pixelLimitOf, withDefaults } from '../../lib';
import { givenNodeOptions } from '../shared/option-properties';

export interface LoadOptions {
	readonly extensions?: string[];
	readonly maxPerClass?: number;
	/** Images with more pixels are refused from their header, never decoded. */
	readonly limitInputPixels: number;
	readonly seed: number;
	readonly validationFolder?: string;
	/** Fraction 0–0.5 (the node shows percent). */
	readonly validationSplit: number;
}

/** The Options collection, each checked by the table's rule: an expression can put anything in it. */
export function readLoadOptions(ctx: IExecuteFunctions, itemIndex: number): LoadOptions {
	const options = withDefaults(DATASET_OPTIONS, givenNodeOptions(ctx, itemIndex, DATASET_OPTIONS));
	const extensions = options.extensions
		?.split(',')
		.map((e) => e.trim().replace(/^\./, '').toLowerCase())
		.filter(Boolean);
	if (extensions !== undefined && extensions.length === 0)
		throw new InvalidParameterError('extensions', 'lists no file extension');
	return {
		extensions,
		maxPerClass: options.maxPerClass,
		limitInputPixels: pixelLimitOf(options.maxMegapixels),
		seed: options.seed,
		validationFolder: options.validationFolder.trim() || undefined,
		validationSplit: options.validationSplit,
	};
}
