import { resizeBeforeCrop } from '../data/eval-crop';
import { IMAGENET_NORMALIZATION, type Normalization } from '../data/normalization';
import {
	CURRENT_PREPROCESSING,
	LEGACY_PREPROCESSING,
	PREPROCESSING_VERSIONS,
	isPreprocessingVersion,
	type PreprocessingVersion,
} from '../data/preprocessing';
import { codePoints } from '../data/scan-paths';
import { InvalidParameterError, ModelMetadataError } from '../errors';
import { checkOption } from '../options/option';
import { isPrecision, PRECISIONS, type Precision } from './precision';
import { TRAIN_OPTIONS } from '../options/train';

/**
 * The fields of a model file's metadata that decide how images are fed to the network, checked against what
 * training can produce. The metadata is part of the file, so it is as untrusted as the weights: a bad value here used
 * to surface as a tfjs shape error blaming the image, or as NaN probabilities.
 */

/** The centre crop's side: an Image Size that training accepts (the option table's range). */
export function decodeInputSize(raw: string | undefined, file?: string): number {
	const spec = TRAIN_OPTIONS.imageSize;
	if (raw === undefined) return spec.default;
	const value = parseNumber(raw);
	try {
		return checkOption(spec, 'inputSize', value);
	} catch (error) {
		if (!(error instanceof InvalidParameterError)) throw error;
		throw new ModelMetadataError(
			'inputSize',
			`must be a whole number of pixels from ${spec.min} to ${spec.max} (the Image Size training allows), got ${short(raw)}`,
			file,
		);
	}
}

/**
 * The shorter side before the centre crop: at least the crop, and at most twice it (a crop_pct of 0.5; torchvision
 * and timm use 0.875–0.95).
 */
export function decodeResizeSize(
	raw: string | undefined,
	inputSize: number,
	file?: string,
): number {
	if (raw === undefined) return resizeBeforeCrop(inputSize);
	const value = parseNumber(raw);
	if (
		typeof value !== 'number' ||
		!Number.isInteger(value) ||
		value < inputSize ||
		value > 2 * inputSize
	) {
		throw new ModelMetadataError(
			'resizeSize',
			`must be a whole number of pixels from ${inputSize} (inputSize) to ${2 * inputSize}, got ${short(raw)}`,
			file,
		);
	}
	return value;
}

/**
 * The resize a model was trained with. Absent: a file of ours (it has `format`) predates the field and was trained
 * with sharp's resize; a file from elsewhere was trained in PyTorch, so it gets torchvision's.
 */
export function decodePreprocessing(
	raw: string | undefined,
	ours: boolean,
	file?: string,
): PreprocessingVersion {
	if (raw === undefined) return ours ? LEGACY_PREPROCESSING : CURRENT_PREPROCESSING;
	if (isPreprocessingVersion(raw)) return raw;
	throw new ModelMetadataError(
		'preprocessing',
		`must be one of ${Object.keys(PREPROCESSING_VERSIONS).join(', ')}, got ${short(raw)}`,
		file,
	);
}

/** The number format of a file's weights, where it says one (a file without the field is float32). */
export function decodePrecision(raw: string, file?: string): Precision {
	if (isPrecision(raw)) return raw;
	throw new ModelMetadataError(
		'precision',
		`must be one of ${PRECISIONS.join(', ')}, got ${short(raw)}`,
		file,
	);
}

/** The dataset snapshot of a training run: its id, and the id of its validation images alone. */
export interface DatasetFacts {
	readonly snapshot: string;
	readonly validation: string | null;
}

/** A dataset record: `ds-` and `vs-` ids of 24 hex digits (or no validation id), nothing else to trust. */
export function decodeDataset(value: unknown, file?: string): DatasetFacts | undefined {
	if (value === undefined) return undefined;
	const record = value as Record<string, unknown> | null;
	const ok =
		typeof record === 'object' &&
		record !== null &&
		!Array.isArray(record) &&
		typeof record.snapshot === 'string' &&
		/^ds-[0-9a-f]{24}$/.test(record.snapshot) &&
		(record.validation === null ||
			(typeof record.validation === 'string' && /^vs-[0-9a-f]{24}$/.test(record.validation)));
	if (!ok)
		throw new ModelMetadataError(
			'dataset',
			'must be {"snapshot": "ds-<24 hex>", "validation": "vs-<24 hex>" or null}',
			file,
		);
	return { snapshot: record.snapshot as string, validation: record.validation as string | null };
}

/** Three finite means and three finite, positive standard deviations (one per RGB channel). */
export function decodeNormalization(value: unknown, file?: string): Normalization {
	if (value === undefined) return IMAGENET_NORMALIZATION;
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new ModelMetadataError(
			'normalization',
			`must be an object {"mean": [r, g, b], "std": [r, g, b]}, got ${short(value)}`,
			file,
		);
	}
	const { mean, std } = value as Record<string, unknown>;
	return {
		mean: channels('normalization.mean', mean, (v) => Number.isFinite(v), 'finite numbers', file),
		std: channels(
			'normalization.std',
			std,
			(v) => Number.isFinite(v) && v > 0,
			'finite numbers above 0',
			file,
		),
	};
}

/** One name per classifier output, each a non-empty string, no two alike (a label must say which class it is). */
export function decodeClasses(value: unknown, numClasses: number, file?: string): string[] {
	if (value === undefined) return Array.from({ length: numClasses }, (_, i) => `class_${i}`);
	if (!Array.isArray(value)) {
		throw new ModelMetadataError(
			'classes',
			`must be an array of ${numClasses} class names, got ${short(value)}`,
			file,
		);
	}
	if (value.length !== numClasses) {
		throw new ModelMetadataError(
			'classes',
			`lists ${value.length} class names but the classifier has ${numClasses} outputs`,
			file,
		);
	}
	// Compared Unicode-normalised (NFC): "café" from macOS and from Linux print alike, so they cannot be two classes.
	const seen = new Map<string, string>();
	value.forEach((name: unknown, i) => {
		if (typeof name !== 'string' || name.trim() === '') {
			throw new ModelMetadataError(
				'classes',
				`entry ${i} must be a non-empty class name, got ${short(name)}`,
				file,
			);
		}
		const earlier = seen.get(name.normalize('NFC'));
		if (earlier !== undefined)
			throw new ModelMetadataError(
				'classes',
				earlier === name
					? `lists ${JSON.stringify(name)} twice; class names must be unique`
					: `lists ${codePoints(earlier)} and ${codePoints(name)}, the same name "${name.normalize('NFC')}" once Unicode-normalised (NFC); class names must be unique`,
				file,
			);
		seen.set(name.normalize('NFC'), name);
	});
	return value as string[];
}

/** `training` and `metrics` are reported as they are, but must at least be objects. */
export function decodeRecord<T>(field: string, value: unknown, file?: string): T | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== 'object' || value === null || Array.isArray(value))
		throw new ModelMetadataError(field, `must be a JSON object, got ${short(value)}`, file);
	return value as T;
}

function channels(
	field: string,
	value: unknown,
	ok: (v: number) => boolean,
	what: string,
	file?: string,
): [number, number, number] {
	if (
		!Array.isArray(value) ||
		value.length !== 3 ||
		!value.every((v) => typeof v === 'number' && ok(v))
	) {
		throw new ModelMetadataError(
			field,
			`must be 3 ${what} (one per RGB channel), got ${short(value)}`,
			file,
		);
	}
	return [value[0], value[1], value[2]] as [number, number, number];
}

/** A metadata string as a number when it reads as one (JSON syntax), else the string itself for the message. */
function parseNumber(raw: string): unknown {
	const n = raw.trim() === '' ? Number.NaN : Number(raw);
	return Number.isFinite(n) ? n : raw;
}

function short(value: unknown): string {
	const text = value === undefined ? 'nothing' : JSON.stringify(value);
	return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
