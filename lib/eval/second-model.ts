import type { LabelledImage } from '../data/labelled-image';
import { InvalidParameterError } from '../errors';
import { detachInference, inferenceEngine, prepareInference } from '../infer/engine';
import { openModelBytes } from '../infer/onnx-model';
import type { ModelMetadata } from '../model-file/metadata';
import type { TrainedModel } from '../model-file/model-file';
import type { Precision } from '../model-file/precision';
import { evaluate, type EvaluateOptions, type Evaluation } from './evaluate';

// Evaluate's second model: the same classifier in another precision (its float16 safetensors or int8 ONNX), scored
// on the same images as the first, so that what the smaller file costs in accuracy, and buys in size and speed,
// shows side by side.

/** One row of the side-by-side table. */
export interface PrecisionRow {
	readonly precision: Precision;
	readonly file: string;
	readonly bytes: number;
	readonly accuracy: number;
	readonly loss: number;
	readonly count: number;
	/** Forward pass only, on `engine`. */
	readonly msPerImage: number;
	readonly engine: string;
}

/** The evaluated model's own row, as the caller measured it. */
export interface FirstModel {
	readonly evaluation: Evaluation;
	readonly metadata: ModelMetadata;
	readonly file: string;
	readonly bytes: number;
	readonly engine: string;
}

/** The second model must be the same classifier: the same classes in the same order, the same input. */
export function checkSameClassifier(
	first: ModelMetadata,
	second: ModelMetadata,
	file: string,
	parameter: string,
): void {
	const same =
		first.classes.length === second.classes.length &&
		first.classes.every((c, i) => c === second.classes[i]);
	if (!same)
		throw new InvalidParameterError(
			parameter,
			`${file} has classes [${second.classes.join(', ')}], not the evaluated model's [${first.classes.join(', ')}]: compare precisions of one model`,
		);
	if (first.inputSize !== second.inputSize)
		throw new InvalidParameterError(
			parameter,
			`${file} takes ${second.inputSize} px images, the evaluated model ${first.inputSize} px`,
		);
}

/** The second model, open and checked against the first before any image is scored. */
export interface SecondModel {
	readonly model: TrainedModel;
	readonly file: string;
	readonly bytes: number;
}

/**
 * Open `bytes` as the second model (int8: in ONNX Runtime, or refused saying it needs it) and check that it is the
 * first one's classifier; `parameter` is the option that named it, for errors. Done before the first model is
 * scored, so that a bad second file costs no evaluation.
 */
export async function openSecondModel(
	bytes: Uint8Array,
	file: string,
	first: ModelMetadata,
	parameter: string,
): Promise<SecondModel> {
	const model = await openModelBytes(bytes, file);
	try {
		checkSameClassifier(first, model.metadata, file, parameter);
		return { model, file, bytes: bytes.byteLength };
	} catch (error) {
		await releaseSecondModel({ model, file, bytes: bytes.byteLength });
		throw error;
	}
}

export async function releaseSecondModel(second: SecondModel): Promise<void> {
	await detachInference(second.model.network);
	second.model.network.dispose();
}

/**
 * Score the second model on the samples the first was scored on, on the fastest engine present (int8: ONNX Runtime
 * only), and give both rows.
 */
export async function sideBySide(
	first: FirstModel,
	second: SecondModel,
	samples: readonly LabelledImage[],
	options: Partial<EvaluateOptions>,
): Promise<PrecisionRow[]> {
	const { model } = second;
	await prepareInference(model.network, model.metadata, { images: samples.length });
	const evaluation = await evaluate(model, samples, options);
	return [
		precisionRow(first.evaluation, first.metadata, first.file, first.bytes, first.engine),
		precisionRow(
			evaluation,
			model.metadata,
			second.file,
			second.bytes,
			inferenceEngine(model.network),
		),
	];
}

function precisionRow(
	evaluation: Evaluation,
	metadata: ModelMetadata,
	file: string,
	bytes: number,
	engine: string,
): PrecisionRow {
	return {
		precision: metadata.precision ?? 'float32',
		file,
		bytes,
		accuracy: evaluation.metrics.accuracy,
		loss: evaluation.metrics.loss,
		count: evaluation.metrics.count,
		msPerImage: evaluation.msPerImage,
		engine,
	};
}
