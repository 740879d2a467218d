import type { Normalization } from '../data/normalization';
import type { PreprocessingVersion } from '../data/preprocessing';
import { ModelMetadataError } from '../errors';
import type { Precision } from './precision';
import {
	decodeClasses,
	decodeInputSize,
	decodeNormalization,
	decodePreprocessing,
	decodeDataset,
	type DatasetFacts,
	decodePrecision,
	decodeRecord,
	decodeResizeSize,
} from './metadata-fields';

/**
 * What a model file says about itself, stored as string values in the safetensors `__metadata__` (the format allows
 * strings only, so structured values are JSON). A PyTorch user ignores it and calls `load_state_dict`.
 */
export interface ModelMetadata {
	readonly format: typeof MODEL_FORMAT;
	readonly architecture: 'resnet18';
	readonly classes: readonly string[];
	/** Side of the square input the model was trained at. */
	readonly inputSize: number;
	/** Shorter side images are resized to before the centre crop at evaluation. */
	readonly resizeSize: number;
	readonly normalization: Normalization;
	/** How images were resized for this model (lib/data/preprocessing.ts); files of 0.1.x have none: `sharp/0`. */
	readonly preprocessing: PreprocessingVersion;
	/** The number format of the weights: float32 unless the file was written smaller (absent in older files). */
	readonly precision?: Precision;
	readonly packageVersion: string;
	readonly createdAt: string;
	readonly name?: string;
	/** Where weights not trained here come from (an ImageNet source). */
	readonly source?: string;
	readonly training?: TrainingFacts;
	readonly metrics?: ModelMetrics;
	/** What it was trained and validated on (lib/data/snapshot.ts); absent in files before the field. */
	readonly dataset?: DatasetFacts;
}

/** How a model was trained: the options it ran with, and the facts of the run that the nodes report. */
export interface TrainingFacts {
	readonly trainImages: number;
	readonly validationImages: number;
	readonly pretrained: boolean;
	readonly backend: string;
	readonly fineTune: string;
	readonly seconds: number;
	/** The training options (batchSize, epochs, learningRate, …) as resolved. */
	readonly [option: string]: unknown;
}

/** The figures of the epoch whose weights the file holds (`savedEpoch`; absent in files of 0.1.0). */
export interface ModelMetrics {
	readonly epochs: number;
	readonly savedEpoch?: number;
	readonly trainLoss: number;
	readonly trainAccuracy: number;
	readonly validationLoss?: number;
	readonly validationAccuracy?: number;
}

export const MODEL_FORMAT = 'n8n-nodes-resnet18/1';

export type { DatasetFacts } from './metadata-fields';

const JSON_FIELDS = ['classes', 'normalization', 'training', 'metrics', 'dataset'] as const;

export function encodeMetadata(meta: ModelMetadata): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [key, value] of Object.entries(meta)) {
		if (value === undefined) continue;
		out[key] = (JSON_FIELDS as readonly string[]).includes(key)
			? JSON.stringify(value)
			: String(value);
	}
	return out;
}

/**
 * Reads our metadata, refusing any value no model of ours can have (naming the field); files from elsewhere (a
 * torchvision/timm export) have none, and get generic class names and torchvision's preprocessing so they still load.
 * Files of ours from before the `preprocessing` field keep the resize they were trained with (sharp's).
 */
export function decodeMetadata(
	raw: Record<string, string>,
	numClasses: number,
	file?: string,
): ModelMetadata {
	const parse = (key: string): unknown => {
		if (raw[key] === undefined) return undefined;
		try {
			return JSON.parse(raw[key]) as unknown;
		} catch (error) {
			throw new ModelMetadataError(key, 'is not valid JSON', file, { cause: error });
		}
	};
	const inputSize = decodeInputSize(raw.inputSize, file);
	return {
		format: MODEL_FORMAT,
		architecture: 'resnet18',
		classes: decodeClasses(parse('classes'), numClasses, file),
		inputSize,
		resizeSize: decodeResizeSize(raw.resizeSize, inputSize, file),
		normalization: decodeNormalization(parse('normalization'), file),
		preprocessing: decodePreprocessing(raw.preprocessing, raw.format !== undefined, file),
		precision: raw.precision === undefined ? undefined : decodePrecision(raw.precision, file),
		packageVersion: raw.packageVersion ?? 'unknown',
		createdAt: raw.createdAt ?? 'unknown',
		name: raw.name,
		source: raw.source,
		training: decodeRecord<TrainingFacts>('training', parse('training'), file),
		metrics: decodeRecord<ModelMetrics>('metrics', parse('metrics'), file),
		dataset: decodeDataset(parse('dataset'), file),
	};
}
