import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { imageBatches } from '../data/batches';
import type { LabelledImage } from '../data/labelled-image';
import { resamplerOf } from '../data/preprocessing';
import { InvalidParameterError, TrainingAbortedError } from '../errors';
import { hashFile } from '../hash-file';
import { detachInference, prepareInference } from '../infer/engine';
import { loadImagenetClassifier } from '../infer/imagenet';
import { predictFeatures } from '../infer/predict';
import type { TrainedModel } from '../model-file/model-file';
import { EVALUATE_OPTIONS } from '../options/evaluate';
import { checkOption } from '../options/option';
import {
	PRETRAINED_SOURCE_NAMES,
	PRETRAINED_SOURCES,
	type PretrainedSource,
	type PretrainedSourceSpec,
} from '../weights/pretrained-sources';
import { knnAccuracy, knnLeaveOneOut, type KnnResult } from './knn';

/**
 * What the images give without fine-tuning: the published ImageNet ResNet-18 body embeds every image, and each scored
 * image takes the label of its nearest reference images. Reported beside the fine-tuned classifier, it says how
 * much the training bought. It only reads the weights cache (never downloads): Evaluate must not reach the network
 * for a side number, so without the file it says how to get one.
 */

export type KnnBaseline =
	| {
			readonly status: 'computed';
			readonly accuracy: number;
			readonly correct: number;
			readonly count: number;
			readonly k: number;
			readonly references: 'train' | 'leave-one-out';
			readonly referenceCount: number;
			/** The weights' source title (PRETRAINED_SOURCES). */
			readonly body: string;
			readonly weightsFile: string;
			readonly seconds: number;
			readonly note: string;
	  }
	| {
			readonly status: 'missing';
			/** Which files are missing from which folder, and how to get them. */
			readonly note: string;
	  };

export interface KnnBaselineOptions {
	/** The pretrained weights cache Train downloads into. */
	readonly cacheFolder: string;
	/** Neighbours that vote (default 5), clipped to the references available. */
	readonly k?: number;
	/** Images per forward pass (Evaluate's rule and default). */
	readonly batchSize?: number;
	readonly signal?: AbortSignal;
	readonly limitInputPixels?: number;
}

export const DEFAULT_KNN_K = 5;

/** The ResNet-18's pooled features, its `fc` input. */
const FEATURES = 512;

/**
 * `scored`: the images Evaluate scores (labels index `classes`); `references`: the training images when the dataset
 * has a train split disjoint from them, else undefined (leave-one-out among `scored`).
 */
export async function knnBaseline(
	scored: readonly LabelledImage[],
	references: readonly LabelledImage[] | undefined,
	classes: readonly string[],
	options: KnnBaselineOptions,
): Promise<KnnBaseline> {
	// Every caller mistake is refused before 45 MB of weights are read.
	const batchSize = checkOption(EVALUATE_OPTIONS.batchSize, 'batchSize', options.batchSize);
	const k = options.k ?? DEFAULT_KNN_K;
	if (!Number.isInteger(k) || k < 1)
		throw new InvalidParameterError('k', `must be a whole number of at least 1, got ${k}`);
	if (typeof options.cacheFolder !== 'string' || options.cacheFolder === '')
		throw new InvalidParameterError('cacheFolder', 'must name the pretrained weights folder');
	checkLabels(scored, classes, 'scored');
	if (references) checkLabels(references, classes, 'references');
	const available = references ? references.length : scored.length - 1;
	if (scored.length === 0 || available < 1)
		throw new InvalidParameterError(
			'references',
			references
				? `the kNN baseline needs scored and reference images, got ${scored.length} and ${references.length}`
				: `leave-one-out kNN needs at least 2 scored images, got ${scored.length}`,
		);

	if (options.signal?.aborted)
		throw new TrainingAbortedError('Stopped before the kNN baseline started');
	const embedding = { ...options, batchSize };
	const found = await findBody(options.cacheFolder);
	if (!found.source) return { status: 'missing', note: found.note };
	const started = performance.now();
	const model = await loadImagenetClassifier(found.file, found.source);
	let result: KnnResult;
	try {
		await prepareInference(model.network, model.metadata, {
			images: scored.length + (references?.length ?? 0),
		});
		const query = await embedImages(model, scored, embedding);
		if (references) {
			const reference = await embedImages(model, references, embedding);
			result = knnAccuracy(reference.rows, reference.labels, query.rows, query.labels, FEATURES, k);
		} else result = knnLeaveOneOut(query.rows, query.labels, FEATURES, k);
	} finally {
		await detachInference(model.network);
		model.network.dispose();
	}
	const spec: PretrainedSourceSpec = PRETRAINED_SOURCES[found.source];
	const kText = result.k === k ? `k=${k}` : `k=${result.k}, of ${k} asked, as many as there are`;
	const against = references
		? `${references.length} training images as references`
		: `leave-one-out among the ${scored.length} scored images (no separate training images)`;
	return {
		status: 'computed',
		...result,
		references: references ? 'train' : 'leave-one-out',
		referenceCount: references ? references.length : scored.length - 1,
		body: spec.title,
		weightsFile: found.file,
		seconds: (performance.now() - started) / 1000,
		note:
			`kNN (${kText}, cosine) on the ImageNet body's embeddings (${spec.title}, ${spec.file}), ${against}: ` +
			`what the images give without fine-tuning${found.note ? `; ${found.note}` : ''}`,
	};
}

function checkLabels(
	images: readonly LabelledImage[],
	classes: readonly string[],
	parameter: string,
): void {
	for (const image of images) {
		if (!Number.isInteger(image.label) || image.label < 0 || image.label >= classes.length)
			throw new InvalidParameterError(
				parameter,
				`${image.file} has label ${image.label}, not one of the ${classes.length} classes`,
			);
	}
}

type Found =
	| { readonly source: PretrainedSource; readonly file: string; readonly note?: string }
	| { readonly source?: undefined; readonly note: string };

/**
 * The first source in the table's order whose file is in the cache and passes its check (a source without a SHA-256
 * prefix is checked by its tensors when it loads). A file failing its check is as good as missing, and said so.
 */
async function findBody(cacheFolder: string): Promise<Found> {
	const failed: string[] = [];
	for (const source of PRETRAINED_SOURCE_NAMES) {
		const spec: PretrainedSourceSpec = PRETRAINED_SOURCES[source];
		const file = path.join(cacheFolder, spec.file);
		const present = await fs.stat(file).then(
			(s) => s.isFile(),
			() => false,
		);
		if (!present) continue;
		if (spec.sha256Prefix && !(await hashFile(file)).startsWith(spec.sha256Prefix)) {
			failed.push(
				`${spec.file} is there but failed its SHA-256 check (expected ${spec.sha256Prefix}…)`,
			);
			continue;
		}
		return { source, file, note: failed.length > 0 ? failed.join('; ') : undefined };
	}
	const names = PRETRAINED_SOURCE_NAMES.map((s) => PRETRAINED_SOURCES[s].file);
	return {
		note:
			`No kNN baseline: no usable ImageNet ResNet-18 weights in ${cacheFolder} ` +
			`(looked for ${names.join(' and ')}${failed.length > 0 ? `; ${failed.join('; ')}` : ''}). ` +
			`To get one, train once with pretrained weights on a machine that can download (they are kept in that ` +
			`folder), or put ${names.join(' or ')} there.`,
	};
}

/**
 * Unit-length 512-d embeddings of the images, row-major in their order, with the model's own eval preprocessing,
 * on the engine attached to its network. A file that does not decode rejects with a FileError naming it.
 */
export async function embedImages(
	model: TrainedModel,
	images: readonly LabelledImage[],
	options: Pick<KnnBaselineOptions, 'batchSize' | 'signal' | 'limitInputPixels'> = {},
): Promise<{ rows: Float32Array; labels: Int32Array }> {
	const batchSize = checkOption(EVALUATE_OPTIONS.batchSize, 'batchSize', options.batchSize);
	const { inputSize, resizeSize, normalization, preprocessing } = model.metadata;
	const rows = new Float32Array(images.length * FEATURES);
	const labels = new Int32Array(images.length);
	let offset = 0;
	for await (const batch of imageBatches(images, {
		batchSize,
		shuffle: false,
		seed: 0,
		mode: 'eval',
		cropSize: inputSize,
		resizeSize,
		resampler: resamplerOf(preprocessing),
		normalization,
		limitInputPixels: options.limitInputPixels,
	})) {
		if (options.signal?.aborted)
			throw new TrainingAbortedError('Stopped before the kNN baseline finished');
		const features = await predictFeatures(model.network, batch.images, inputSize);
		rows.set(features, offset * FEATURES);
		labels.set(batch.labels, offset);
		offset += batch.labels.length;
	}
	for (let i = 0; i < images.length; i++)
		normalise(rows.subarray(i * FEATURES, (i + 1) * FEATURES));
	return { rows, labels };
}

/** Scaled to unit length in place; a zero row (an all-black image after ReLU) stays zero, similar to nothing. */
function normalise(row: Float32Array): void {
	let sum = 0;
	for (let i = 0; i < row.length; i++) sum += row[i] * row[i];
	const norm = Math.sqrt(sum);
	if (norm > 0) for (let i = 0; i < row.length; i++) row[i] /= norm;
}
