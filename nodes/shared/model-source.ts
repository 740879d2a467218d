import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	activeBackend,
	checkModelName,
	InvalidParameterError,
	isPrecision,
	openModelBytes,
	openModelFile,
	PRECISIONS,
	prepareInference,
	isPretrainedSource,
	PRETRAINED_SOURCE_NAMES,
	PRETRAINED_SOURCES,
	type TrainedModel,
} from '../../lib';
import { loadImagenetClassifier } from '../../lib/infer/imagenet';
import { userPath } from './file-access';
import { storeFor, useModelStoreProperty } from './model-store';
import { binaryInput } from './binary-input';
import { pretrainedSourceOptions } from './pretrained-options';
import { bytesModelKey, fileModelKey, withCachedModel } from './model-cache';
import {
	downloadPretrained,
	useWeightsSourceProperty,
	weightsCacheFolder,
} from './pretrained-download';

/** Where a node takes its model from: the `model` binary of a Train node, a file, or a named model's live version. */
export const modelSourceProperties: INodeProperties[] = [
	{
		displayName: 'Model Source',
		name: 'modelSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Binary Property',
				value: 'binary',
				description:
					'The model file carried by the input item (Train ResNet-18 outputs it as "model")',
			},
			{
				name: 'File Path',
				value: 'file',
				description: 'A .safetensors model file on the n8n host',
			},
			{
				name: 'Named Model',
				value: 'named',
				description: 'The live version of a model that Train ResNet-18 saved under a name',
			},
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
		description:
			'Path of a model file written by this package (.safetensors in float32 or float16, or an .int8.onnx: needs onnxruntime-node), or of a torchvision ResNet-18 export',
	},
	{
		displayName: 'Model Name',
		name: 'modelName',
		type: 'string',
		default: 'my-classifier',
		required: true,
		displayOptions: { show: { modelSource: ['named'] } },
		description:
			'The name given in Train ResNet-18. Its live version is used: the newest one that passed the publish check. A newly published version is picked up on the next execution.',
	},
	{
		displayName: 'Precision',
		name: 'modelPrecision',
		type: 'options',
		options: [
			{ name: 'Float32 (As Trained)', value: 'float32' },
			{
				name: 'Float16',
				value: 'float16',
				description: 'Half the bytes to store and load; the same speed on CPU',
			},
			{
				name: 'Int8 (ONNX Runtime)',
				value: 'int8',
				description:
					'About a quarter of the bytes and 2–3× faster on CPU; needs onnxruntime-node installed beside this package. Evaluate\'s "Compare With" shows what it costs in accuracy.',
			},
		],
		default: 'float32',
		displayOptions: { show: { modelSource: ['named'] } },
		description:
			'Which of the live version\'s files to use: Train ResNet-18 keeps float16 and int8 copies beside the trained model when its "Also Save" option asks for them',
	},
	useModelStoreProperty({ modelSource: ['named'] }),
];

/**
 * The zero-training choice of Model Source: ImageNet's own classifier. Classify Image offers it; Evaluate does not,
 * since its test folders are named after the user's classes.
 */
export const imagenetModelSourceOption = {
	name: 'ImageNet (1,000 Classes, No Training)',
	value: 'imagenet',
	description:
		'The published ImageNet ResNet-18 as it is: labels such as "golden retriever" or "espresso", to try the workflow before collecting your own images',
};

/** What the ImageNet choice needs: which published weights, and optionally a mirror (the ResNet Weights Source credential). */
export const imagenetSourceProperties: INodeProperties[] = [
	{
		displayName: 'ImageNet Weights',
		name: 'imagenetWeights',
		type: 'options',
		options: pretrainedSourceOptions(),
		default: 'imagenet-torchvision',
		displayOptions: { show: { modelSource: ['imagenet'] } },
		description:
			"Labels are ImageNet's 1,000 English class names (animals, objects, foods; no custom classes), handy for trying the node before collecting data. The weight file (~45 MB) is downloaded once into the weights cache (~/.n8n/resnet18/weights, RESNET18_WEIGHTS_CACHE) and used offline after that; without network, place it there.",
	},
	useWeightsSourceProperty({ modelSource: ['imagenet'] }),
];

export interface ModelInfo {
	readonly source: string;
	readonly cached: boolean;
	/** A named model's version, from its store's live pointer at the time this execution asked; else null. */
	readonly version: number | null;
	/** The store a named model came from (its description); else null. */
	readonly store: string | null;
}

/**
 * The compute engine is part of every cache key: a model prepared for one backend (an ONNX Runtime session, a
 * native TensorFlow graph, WASM worker threads) is not the one another backend runs.
 */
function engineKey(): string {
	return activeBackend()?.kind ?? 'none';
}

/** Run `use` with the item's model, from the cache when the same model was loaded before. */
export async function withItemModel<T>(
	ctx: IExecuteFunctions,
	itemIndex: number,
	use: (model: TrainedModel, info: ModelInfo) => Promise<T>,
): Promise<T> {
	const source = ctx.getNodeParameter('modelSource', itemIndex) as string;
	if (source === 'binary') {
		const property = ctx.getNodeParameter('modelBinaryProperty', itemIndex) as string;
		const { data: bytes, fileName } = await binaryInput(
			ctx,
			itemIndex,
			property,
			'modelBinaryProperty',
		);
		return withCachedModel(
			`${bytesModelKey(bytes)}:${engineKey()}`,
			async () => readyForInference(await openModelBytes(bytes, fileName)),
			(model, cached) =>
				use(model, {
					source: `binary property "${property}" (${fileName})`,
					cached,
					version: null,
					store: null,
				}),
		);
	}
	if (source === 'imagenet') return withImagenetModel(ctx, itemIndex, use);
	if (source === 'named') return withNamedModel(ctx, itemIndex, use);
	const file = await userPath(
		ctx,
		ctx.getNodeParameter('modelFile', itemIndex),
		'modelFile',
		itemIndex,
	);
	const key = await fileModelKey(file).catch(() => `missing:${file}`);
	return withCachedModel(
		`${key}:${engineKey()}`,
		async () => readyForInference(await openModelFile(file)),
		(model, cached) => use(model, { source: file, cached, version: null, store: null }),
	);
}

/**
 * A named model's live version, asked of its store on every execution (a file read, or one query): a version
 * published by a retrain on another worker is picked up on this worker's next execution, with no restart. The
 * cache key is store + name + version + precision + engine, so the bytes are read once per version.
 */
async function withNamedModel<T>(
	ctx: IExecuteFunctions,
	itemIndex: number,
	use: (model: TrainedModel, info: ModelInfo) => Promise<T>,
): Promise<T> {
	const name = checkModelName(ctx.getNodeParameter('modelName', itemIndex), 'modelName');
	const store = await storeFor(ctx, itemIndex);
	const live = await store.liveVersion(name);
	if (!live) {
		const versions = await store.listVersions(name);
		throw new NodeOperationError(
			ctx.getNode(),
			versions.length === 0
				? `No model named "${name}" in ${store.description}`
				: `Model "${name}" has ${versions.length} version(s) in ${store.description}, but none is live`,
			{
				itemIndex,
				description:
					versions.length === 0
						? 'Train a model with Train ResNet-18 under this Model Name first (with the same model store: in queue mode every worker must use the same ResNet Model Store credential), or pick "File Path".'
						: "No version passed Train ResNet-18's Min Validation Accuracy to Publish. Publish one by hand with `resnet18 models live NAME VERSION`, or lower the minimum and retrain.",
			},
		);
	}
	const precision = ctx.getNodeParameter('modelPrecision', itemIndex, 'float32');
	if (!isPrecision(precision))
		throw new InvalidParameterError(
			'modelPrecision',
			`must be one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(precision)}`,
		);
	const key = `${store.id}:${name}:v${live.version}:${precision}:${engineKey()}`;
	return withCachedModel(
		key,
		async () =>
			readyForInference(
				await openModelBytes(
					await store.readVersion(name, live.version, precision),
					`${name} v${live.version} ${precision} (${live.location})`,
				),
			),
		(model, cached) =>
			use(model, {
				source: live.location,
				cached,
				version: live.version,
				store: store.description,
			}),
	);
}

/**
 * The ImageNet classifier, cached like a model file. Its key is the weights source and the cache folder, not the
 * file's bytes: the cached file is checked when downloaded, and a cache hit then costs no disk access at all.
 */
async function withImagenetModel<T>(
	ctx: IExecuteFunctions,
	itemIndex: number,
	use: (model: TrainedModel, info: ModelInfo) => Promise<T>,
): Promise<T> {
	const weights = ctx.getNodeParameter('imagenetWeights', itemIndex) as string;
	if (!isPretrainedSource(weights)) {
		throw new InvalidParameterError(
			'imagenetWeights',
			`must be one of ${PRETRAINED_SOURCE_NAMES.join(', ')}, got ${JSON.stringify(weights)}`,
		);
	}
	const source = weights;
	const key = `imagenet:${source}:${weightsCacheFolder()}:${engineKey()}`;
	return withCachedModel(
		key,
		async () =>
			readyForInference(
				await loadImagenetClassifier(await downloadPretrained(ctx, itemIndex, source), source),
			),
		(model, cached) =>
			use(model, {
				source: `ImageNet weights: ${PRETRAINED_SOURCES[source].title}`,
				cached,
				version: null,
				store: null,
			}),
	);
}

/**
 * Models are cached for many predictions: worth building the ONNX Runtime session once, when it is installed.
 * Worker threads (WASM without ONNX Runtime) start later, when a batch comes.
 */
async function readyForInference(model: TrainedModel): Promise<TrainedModel> {
	await prepareInference(model.network, model.metadata, { images: 1 });
	return model;
}
