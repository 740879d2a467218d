import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { checkModelName, deserializeModel, liveVersion, loadModel, prepareInference, type TrainedModel } from '../../lib';
import { userPath } from './file-access';
import { modelsFolder } from './n8n-folders';
import { bytesModelKey, fileModelKey, withCachedModel } from './model-cache';

/** Where a node takes its model from: the `model` binary of a Train node, a file, or a named model's live version. */
export const modelSourceProperties: INodeProperties[] = [
	{
		displayName: 'Model Source',
		name: 'modelSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Binary Property', value: 'binary', description: 'The model file carried by the input item (Train ResNet-18 outputs it as "model")' },
			{ name: 'File Path', value: 'file', description: 'A .safetensors model file on the n8n host' },
			{ name: 'Named Model', value: 'named', description: 'The live version of a model that Train ResNet-18 saved under a name' },
		],
		default: 'named',
	},
	{
		displayName: 'Model Binary Property',
		name: 'modelBinaryProperty',
		type: 'string',
		default: 'model',
		required: true,
		displayOptions: { show: { modelSource: ['binary'] } },
		description: 'Name of the binary property that holds the model file',
	},
	{
		displayName: 'Model File',
		name: 'modelFile',
		type: 'string',
		default: '',
		required: true,
		placeholder: '/data/models/defects/v0003.safetensors',
		displayOptions: { show: { modelSource: ['file'] } },
		description: 'Path of a .safetensors model written by this package (or a torchvision ResNet-18 export)',
	},
	{
		displayName: 'Model Name',
		name: 'modelName',
		type: 'string',
		default: 'my-classifier',
		required: true,
		displayOptions: { show: { modelSource: ['named'] } },
		description: 'The name given in Train ResNet-18. Its live version is used: the newest one that passed the publish check.',
	},
];

export interface ModelInfo {
	readonly source: string;
	readonly cached: boolean;
}

/** Run `use` with the item's model, from the cache when the same model was loaded before. */
export async function withItemModel<T>(ctx: IExecuteFunctions, itemIndex: number, use: (model: TrainedModel, info: ModelInfo) => Promise<T>): Promise<T> {
	const source = ctx.getNodeParameter('modelSource', itemIndex) as string;
	if (source === 'binary') {
		const property = ctx.getNodeParameter('modelBinaryProperty', itemIndex) as string;
		ctx.helpers.assertBinaryData(itemIndex, property);
		const bytes = await ctx.helpers.getBinaryDataBuffer(itemIndex, property);
		const fileName = ctx.getInputData()[itemIndex].binary?.[property]?.fileName ?? property;
		return withCachedModel(bytesModelKey(bytes), async () => readyForInference(deserializeModel(bytes, fileName)), (model, cached) => use(model, { source: `binary property "${property}" (${fileName})`, cached }));
	}
	const file = source === 'file' ? await userPath(ctx, ctx.getNodeParameter('modelFile', itemIndex), 'modelFile', itemIndex) : await namedModelFile(ctx, itemIndex);
	const key = await fileModelKey(file).catch(() => `missing:${file}`);
	return withCachedModel(key, async () => readyForInference(await loadModel(file)), (model, cached) => use(model, { source: file, cached }));
}

async function namedModelFile(ctx: IExecuteFunctions, itemIndex: number): Promise<string> {
	const name = checkModelName(ctx.getNodeParameter('modelName', itemIndex), 'modelName');
	const live = await liveVersion(modelsFolder(), name);
	if (!live) {
		throw new NodeOperationError(ctx.getNode(), `No model named "${name}" in ${modelsFolder()}`, {
			itemIndex,
			description: 'Train a model with Train ResNet-18 under this Model Name first, or pick "File Path" and point at a model file.',
		});
	}
	return live.file;
}

/** Models are cached for many predictions: worth building the ONNX Runtime session once, when it is installed. */
async function readyForInference(model: TrainedModel): Promise<TrainedModel> {
	await prepareInference(model.network, model.metadata);
	return model;
}
