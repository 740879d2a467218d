import type {
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
} from 'n8n-workflow';
import * as path from 'node:path';
import {
	type ClassActivationMap,
	CLASSIFY_OPTIONS,
	decodeForModel,
	gradCamPng,
	inferenceEngine,
	inferenceThreads,
	prepareInference,
	predictDecoded,
	ttaPlan,
	UNKNOWN_LABEL,
	pickOptions,
	type TrainedModel,
	withDefaults,
} from '../../lib';
import { startDevice } from '../shared/device';
import { engineName } from '../shared/engine-name';
import { givenNodeOptions } from '../shared/option-properties';
import { userPath } from '../shared/file-access';
import { withItemModel } from '../shared/model-source';
import { failedItem } from '../shared/per-item';
import { binaryInput } from '../shared/binary-input';

// Batch size, result field and the extra outputs are the first item's (one batch runs many items): a bad one fails the
// run. Top K and threshold are each item's: a bad one fails its item.
const RUN_OPTIONS = pickOptions(CLASSIFY_OPTIONS, [
	'batchSize',
	'resultField',
	'embedding',
	'gradCam',
	'testTimeAugmentation',
]);
const ITEM_OPTIONS = pickOptions(CLASSIFY_OPTIONS, ['topK', 'threshold']);

interface Pending {
	readonly itemIndex: number;
	readonly pixels: Float32Array;
	/** The image's name without its extension: the heatmap's file name. */
	readonly name: string;
	readonly model: TrainedModel;
	readonly modelSource: string;
	readonly cached: boolean;
	readonly version: number | null;
	readonly store: string | null;
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
	const { batchSize, resultField, embedding, gradCam, testTimeAugmentation } = withDefaults(
		RUN_OPTIONS,
		givenNodeOptions(ctx, 0, RUN_OPTIONS),
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
			const { topK, threshold } = withDefaults(
				ITEM_OPTIONS,
				givenNodeOptions(ctx, group[0].itemIndex, ITEM_OPTIONS),
			);
			// Worker threads for a batch on WASM (once per cached model); nothing to do when ONNX Runtime runs it.
			await prepareInference(model.network, model.metadata, { images: group.length });
			const predictions = await predictDecoded(
				model,
				group.map((p) => p.pixels),
				{ topK, threshold, batchSize, embedding, gradCam, testTimeAugmentation },
			);
			for (let j = 0; j < group.length; j++) {
				const p = group[j];
				const item = items[p.itemIndex];
				const prediction = predictions[j];
				const result: IDataObject = {
					label: prediction.label,
					confidence: prediction.confidence,
					unknown: prediction.label === UNKNOWN_LABEL,
					topK: prediction.topK.map((t) => ({ ...t })),
					...(prediction.embedding ? { embedding: prediction.embedding } : {}),
					...(testTimeAugmentation
						? { testTimeAugmentation: { views: [...ttaPlan(model.metadata).views] } }
						: {}),
					...(prediction.gradCam
						? { gradCam: gradCamJson(prediction.gradCam, model.metadata.classes) }
						: {}),
					// The version that answered: a retrain published elsewhere shows here from the next execution on.
					modelVersion: p.version,
					model: {
						source: p.modelSource,
						name: model.metadata.name ?? null,
						version: p.version,
						store: p.store,
						cached: p.cached,
					},
					engine: engineName(inferenceEngine(model.network), backend.kind),
					threads: inferenceThreads(model.network),
				};
				const json = resultField
					? { ...item.json, [resultField]: result }
					: { ...item.json, ...result };
				let binary: IBinaryKeyData | undefined = item.binary;
				if (prediction.gradCam) {
					const { inputSize, normalization } = model.metadata;
					const png = await gradCamPng(p.pixels, inputSize, normalization, prediction.gradCam);
					binary = {
						...item.binary,
						gradCam: await ctx.helpers.prepareBinaryData(png, `${p.name}.gradcam.png`, 'image/png'),
					};
				}
				results[p.itemIndex] = { json, binary, pairedItem: { item: p.itemIndex } };
			}
		}
	} finally {
		for (const release of releases) release();
	}
	return results.filter((r): r is INodeExecutionData => r !== undefined);
}

/**
 * The map behind the heatmap, for a Code node (where is the defect?): its cells row by row, scaled so that the
 * peak is 1, each covering 32 × 32 input pixels of the model's centre crop.
 */
function gradCamJson(cam: ClassActivationMap, classes: readonly string[]): IDataObject {
	let peak = 0;
	for (const v of cam.values) if (v > peak) peak = v;
	return {
		label: classes[cam.classIndex],
		height: cam.height,
		width: cam.width,
		map: Array.from(cam.values, (v) => (peak > 0 ? v / peak : 0)),
	};
}

/** Take a model lease for the item and decode its image; the lease is released by the caller after prediction. */
async function prepareItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
	releases: (() => void)[],
): Promise<Pending> {
	// Checked before the image is read: a bad top K or threshold fails only its item.
	givenNodeOptions(ctx, itemIndex, ITEM_OPTIONS);
	const image = await readImage(ctx, itemIndex);
	return new Promise<Pending>((resolve, reject) => {
		withItemModel(ctx, itemIndex, (model, info) =>
			decodeForModel(model, image).then(
				(pixels) =>
					new Promise<void>((release) => {
						releases.push(release);
						resolve({
							itemIndex,
							pixels,
							name: path
								.basename(typeof image === 'string' ? image : image.name)
								.replace(/\.[^.]*$/, ''),
							model,
							modelSource: info.source,
							cached: info.cached,
							version: info.version,
							store: info.store,
						});
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
	const { data, fileName } = await binaryInput(ctx, itemIndex, property, 'imageBinaryProperty');
	return { data, name: fileName };
}
