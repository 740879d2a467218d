import type { IExecuteFunctions } from 'n8n-workflow';
import {
	checkModelName,
	InvalidParameterError,
	isPrecision,
	readModelFile,
	serializeModel,
	openSecondModel,
	sideBySide,
	type SecondModel,
	type Evaluation,
	type LabelledImage,
	type PrecisionRow,
	type TrainedModel,
} from '../../lib';
import { userPath } from '../shared/file-access';
import { storeFor } from '../shared/model-store';
import type { ModelInfo } from '../shared/model-source';

/**
 * Evaluate's "Compare With": the same model in another precision, opened (and checked to be the same classifier)
 * before the first is scored. A precision name takes that precision of a named model's live version from its
 * store; anything else is a file path on the n8n host.
 */
export async function openComparedModel(
	ctx: IExecuteFunctions,
	itemIndex: number,
	compareWith: string,
	first: { model: TrainedModel; info: ModelInfo },
): Promise<SecondModel> {
	const { bytes, file } = await secondModelBytes(ctx, itemIndex, compareWith, first.info);
	return openSecondModel(bytes, file, first.model.metadata, 'compareWith');
}

/** Both rows: the first model as Evaluate scored it, the second on the same images. */
export async function comparePrecision(
	second: SecondModel,
	first: { model: TrainedModel; info: ModelInfo; evaluation: Evaluation; engine: string },
	samples: readonly LabelledImage[],
	options: { batchSize: number; topK: number },
): Promise<PrecisionRow[]> {
	return sideBySide(
		{
			evaluation: first.evaluation,
			metadata: first.model.metadata,
			file: first.info.source,
			// The bytes it was read from; a model just handed over in memory is measured as its file would be.
			bytes: first.model.bytes ?? serializeModel(first.model).byteLength,
			engine: first.engine,
		},
		second,
		samples,
		options,
	);
}

async function secondModelBytes(
	ctx: IExecuteFunctions,
	itemIndex: number,
	compareWith: string,
	info: ModelInfo,
): Promise<{ bytes: Uint8Array; file: string }> {
	const value = compareWith.trim();
	if (isPrecision(value)) {
		if (info.version === null)
			throw new InvalidParameterError(
				'compareWith',
				`"${value}" names a precision, which only a named model's store keeps: for a model from a file or binary property, give the path of its ${value} file`,
			);
		const name = checkModelName(ctx.getNodeParameter('modelName', itemIndex), 'modelName');
		const store = await storeFor(ctx, itemIndex);
		return {
			bytes: await store.readVersion(name, info.version, value),
			file: `${name} v${info.version} ${value} (${store.description})`,
		};
	}
	const file = await userPath(ctx, value, 'compareWith', itemIndex);
	return { bytes: await readModelFile(file), file };
}
