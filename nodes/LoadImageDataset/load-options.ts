import { InvalidParameterError } from '../../lib';

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

/** The Options collection, re-checked: an expression can put anything in it. */
export function readLoadOptions(raw: Record<string, unknown>): LoadOptions {
	const percent = raw.validationSplit ?? 20;
	if (typeof percent !== 'number' || !(percent >= 0 && percent <= 50)) {
		throw new InvalidParameterError(
			'validationSplit',
			`must be a percentage between 0 and 50, got ${JSON.stringify(percent)}`,
		);
	}
	const seed = raw.seed ?? 42;
	if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0)
		throw new InvalidParameterError(
			'seed',
			`must be a whole number ≥ 0, got ${JSON.stringify(seed)}`,
		);
	const max = raw.maxPerClass;
	if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1)) {
		throw new InvalidParameterError(
			'maxPerClass',
			`must be a whole number ≥ 1, got ${JSON.stringify(max)}`,
		);
	}
	const megapixels = raw.maxMegapixels ?? 100;
	if (typeof megapixels !== 'number' || !(megapixels >= 1 && megapixels <= 1000)) {
		throw new InvalidParameterError(
			'maxMegapixels',
			`must be between 1 and 1000, got ${JSON.stringify(megapixels)}`,
		);
	}
	const extensions =
		raw.extensions === undefined
			? undefined
			: String(raw.extensions)
					.split(',')
					.map((e) => e.trim().replace(/^\./, '').toLowerCase())
					.filter(Boolean);
	if (extensions !== undefined && extensions.length === 0)
		throw new InvalidParameterError('extensions', 'lists no file extension');
	const validationFolder =
		typeof raw.validationFolder === 'string' && raw.validationFolder.trim() !== ''
			? raw.validationFolder.trim()
			: undefined;
	return {
		extensions,
		maxPerClass: max as number | undefined,
		limitInputPixels: Math.round(megapixels * 1e6),
		seed,
		validationFolder,
		validationSplit: percent / 100,
	};
}
