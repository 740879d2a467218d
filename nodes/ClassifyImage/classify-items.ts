import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import {
	decodeForModel,
	inferenceEngine,
	inferenceThreads,
	InvalidParameterError,
	prepareInference,
	predictDecoded,
	UNKNOWN_LABEL,
	type TrainedModel,
} from '../../lib';
import { startDevice } from '../shared/device';
import { userPath } from '../shared/file-access';
import { withItemModel } from '../shared/model-source';
import { failedItem } from '../shared/per-item';

interface Pending {
	readonly itemIndex: number;
	readonly pixels: Float32Array;
	readonly model: TrainedModel;
	readonly modelSource: string;
	readonly cached: boolean;
}

/**
 * Decode every item's image on its own (a bad image fails only its item), then run the network on full batches of
 * the items that share a model. The model comes from the process-wide cache, so a webhook does not reload it.
 */
export async function classifyItems(ctx: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = ctx.getInputData();
	const results = new Array<INodeExecutionData | undefined>(items.length);
	if (items.length === 0) return [];
	const backend = await startDevice(ctx.getNodeParameter('device', 0));
	const options = ctx.getNodeParameter('options', 0) as {
		batchSize?: number;
		resultField?: string;
	};
	const batchSize = options.batchSize ?? 8;
	if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 128)
		throw new InvalidParameterError(
			'batchSize',
			`must be a whole number between 1 and 128, got ${JSON.stringify(batchSize)}`,
		);

	// Items are grouped by model; the model leases stay held until their group has run.
	const groups = new Map<TrainedModel, Pending[]>();
	const releases: (() => void)[] = [];
	try {
		for (let i = 0; i < items.length; i++) {
			try {
				const pending = await prepareItem(ctx, i, releases);
				const group = groups.get(pending.model);
				if (group) group.push(pending);
				else groups.set(pending.model, [pending]);
			} catch (error) {
				results[i] = failedItem(ctx, error, i);
			}
		}
		for (const [model, group] of groups) {
			const topK = readTopK(ctx, group[0].itemIndex);
			const threshold = readThreshold(ctx, group[0].itemIndex);
			// Worker threads for a batch on WASM (once per cached model); nothing to do when ONNX Runtime runs it.
			await prepareInference(model.network, model.metadata, { images: group.length });
			const predictions = await predictDecoded(
				model,
				group.map((p) => p.pixels),
				{ topK, threshold, batchSize },
			);
			group.forEach((p, j) => {
				const item = items[p.itemIndex];
				const prediction = predictions[j];
				const result: IDataObject = {
					label: prediction.label,
					confidence: prediction.confidence,
					unknown: prediction.label === UNKNOWN_LABEL,
					topK: prediction.topK.map((t) => ({ ...t })),
					model: { source: p.modelSource, name: model.metadata.name ?? null, cached: p.cached },
					engine: inferenceEngine(model.network) === 'onnxruntime' ? 'onnxruntime' : backend.kind,
					threads: inferenceThreads(model.network),
				};
				const json = options.resultField
					? { ...item.json, [options.resultField]: result }
					: { ...item.json, ...result };
				results[p.itemIndex] = { json, binary: item.binary, pairedItem: { item: p.itemIndex } };
			});
		}
	} finally {
		for (const release of releases) release();
	}
	return results.filter((r): r is INodeExecutionData => r !== undefined);
}

/** Take a model lease for the item and decode its image; the lease is released by the caller after prediction. */
async function prepareItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
	releases: (() => void)[],
): Promise<Pending> {
	readTopK(ctx, itemIndex);
	readThreshold(ctx, itemIndex);
	const image = await readImage(ctx, itemIndex);
	return new Promise<Pending>((resolve, reject) => {
		withItemModel(ctx, itemIndex, (model, info) =>
			decodeForModel(model, image).then(
				(pixels) =>
					new Promise<void>((release) => {
						releases.push(release);
						resolve({ itemIndex, pixels, model, modelSource: info.source, cached: info.cached });
					}),
			),
		).catch(reject);
	});
}

async function readImage(
	ctx: IExecuteFunctions,
	itemIndex: number,
): Promise<string | { data: Buffer; name: string }> {
	if (ctx.getNodeParameter('imageSource', itemIndex) === 'file') {
		return userPath(ctx, ctx.getNodeParameter('imageFile', itemIndex), 'imageFile', itemIndex);
	}
	const property = ctx.getNodeParameter('imageBinaryProperty', itemIndex) as string;
	const binary = ctx.helpers.assertBinaryData(itemIndex, property);
	const data = await ctx.helpers.getBinaryDataBuffer(itemIndex, property);
	return { data, name: binary.fileName ?? `item ${itemIndex} binary "${property}"` };
}

function readTopK(ctx: IExecuteFunctions, itemIndex: number): number {
	const value = ctx.getNodeParameter('topK', itemIndex);
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
		throw new InvalidParameterError(
			'topK',
			`must be a whole number ≥ 1, got ${JSON.stringify(value)}`,
		);
	return value;
}

function readThreshold(ctx: IExecuteFunctions, itemIndex: number): number {
	const value = ctx.getNodeParameter('threshold', itemIndex);
	if (typeof value !== 'number' || !(value >= 0 && value <= 1))
		throw new InvalidParameterError(
			'threshold',
			`must be between 0 and 1, got ${JSON.stringify(value)}`,
		);
	return value;
}
