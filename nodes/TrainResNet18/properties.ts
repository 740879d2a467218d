import type { INodeProperties } from 'n8n-workflow';
import { PRETRAINED_SOURCE_NAMES, TRAIN_OPTIONS } from '../../lib';
import { deviceProperty } from '../shared/device';
import { optionProperty, optionsCollection } from '../shared/option-properties';
import { useWeightsSourceProperty } from '../shared/pretrained-download';
import { useModelStoreProperty } from '../shared/model-store';
import { pretrainedSourceOptions } from '../shared/pretrained-options';

/** What Include Model Binary is when left out, per node version. */
export const INCLUDE_MODEL_BINARY_BY_VERSION: Readonly<Record<1 | 2, boolean>> = {
	1: true,
	2: false,
};

export function includeModelBinaryDefault(typeVersion: number): boolean {
	return typeVersion >= 2 ? INCLUDE_MODEL_BINARY_BY_VERSION[2] : INCLUDE_MODEL_BINARY_BY_VERSION[1];
}

/**
 * Version 2's operations: Train, and Set Live Version (a rollback from a workflow). Version 1 has no Operation
 * parameter and only trains; the train-only parameters are hidden for Set Live Version rather than shown for Train,
 * so that version 1, which has no `operation`, still shows them.
 */
const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { '@version': [{ _cnd: { gte: 2 } }] } },
	options: [
		{
			name: 'Set Live Version',
			value: 'setLive',
			action: 'Set the live version of a model',
			description:
				'Make a saved version the one that serves (a rollback); every worker uses it from its next execution',
		},
		{
			name: 'Train',
			value: 'train',
			action: 'Train a model',
			description: 'Fine-tune on a dataset and save a new version',
		},
	],
	default: 'train',
};

function trainOnly(property: INodeProperties): INodeProperties {
	return {
		...property,
		displayOptions: {
			...property.displayOptions,
			hide: { ...property.displayOptions?.hide, operation: ['setLive'] },
		},
	};
}

const liveVersionProperty: INodeProperties = {
	displayName: 'Version',
	name: 'liveVersion',
	type: 'number',
	default: 1,
	required: true,
	typeOptions: { minValue: 1, numberPrecision: 0 },
	displayOptions: { show: { operation: ['setLive'] } },
	description:
		'The saved version to make live (1 for v0001). Classify Image and Evaluate on every worker use it from their next execution; `resnet18 models list NAME` shows what is saved.',
};

const DATASET: INodeProperties = {
	displayName: 'Dataset',
	name: 'dataset',
	type: 'json',
	default: '={{ $json }}',
	required: true,
	description:
		'The dataset manifest from Load Image Dataset (the default takes it from the input item)',
};

const MODEL_NAME: INodeProperties = {
	displayName: 'Model Name',
	name: 'modelName',
	type: 'string',
	default: 'my-classifier',
	required: true,
	description:
		'Each run saves a new version under this name (v0001, v0002, …) in the model store; Classify Image and Evaluate can use it by name',
};

/** What only training uses, hidden for Set Live Version. */
const TRAINING: INodeProperties[] = [
	optionProperty(TRAIN_OPTIONS, 'preset'),
	optionProperty(TRAIN_OPTIONS, 'batchSize'),
	optionProperty(TRAIN_OPTIONS, 'epochs'),
	optionProperty(TRAIN_OPTIONS, 'learningRate'),
	optionProperty(TRAIN_OPTIONS, 'evalSteps'),
	{
		displayName: 'Pretrained Weights',
		name: 'pretrained',
		type: 'options',
		options: [
			...pretrainedSourceOptions((label) => `ImageNet (${label})`),
			{
				name: 'File',
				value: 'file',
				description:
					'A torchvision/timm ResNet-18 weights file (.pth or .safetensors) on the n8n host',
			},
			{
				name: 'Binary Property',
				value: 'binary',
				description:
					'A .pth or .safetensors weights file in a binary property of the input item (from HTTP Request or Read Files, merged with the dataset)',
			},
			{
				name: 'None (From Scratch)',
				value: 'none',
				description: 'Random start; needs many more images and epochs',
			},
		],
		default: 'imagenet-torchvision',
		description:
			'ImageNet-pretrained weights make small datasets work. Without network, place the file in the weights cache (the error says where) or choose File.',
	},
	{
		displayName: 'Weights File',
		name: 'weightsFile',
		type: 'string',
		default: '',
		required: true,
		placeholder: '/data/weights/resnet18-f37072fd.pth',
		displayOptions: { show: { pretrained: ['file'] } },
		description:
			'Path of the ImageNet ResNet-18 weights on the n8n host; the 1,000-class classifier is replaced by one for your classes',
	},
	{
		displayName: 'Weights Binary Property',
		name: 'weightsBinaryProperty',
		type: 'string',
		default: 'weights',
		required: true,
		displayOptions: { show: { pretrained: ['binary'] } },
		description:
			'Name of the binary property of the input item that holds the weights file; its 1,000-class classifier is replaced by one for your classes',
	},
	useWeightsSourceProperty({ pretrained: [...PRETRAINED_SOURCE_NAMES] }),
	optionProperty(TRAIN_OPTIONS, 'fineTune'),
	deviceProperty,
];

/** Parameter panel of Train ResNet-18. Options, with the model card's defaults, ranges and advice, come from the table. */
export const trainProperties: INodeProperties[] = [
	operationProperty,
	trainOnly(DATASET),
	MODEL_NAME,
	...TRAINING.map(trainOnly),
	liveVersionProperty,
	useModelStoreProperty(),
	...versionedOptions().map(trainOnly),
];

/**
 * Every other option of the table, in the table's order. Version 2 changed one default: the model file is no longer
 * attached to the output (it is in the model store; attached, every run put ~45 MB into the execution data, which in
 * queue mode is Postgres). n8n does not store defaults in saved workflows, so version 1 keeps the old default.
 */
function versionedOptions(): INodeProperties[] {
	const v1 = optionsCollection(TRAIN_OPTIONS);
	const v2: INodeProperties = {
		...v1,
		options: v1.options?.map((option) =>
			'name' in option && option.name === 'includeModelBinary'
				? { ...option, default: INCLUDE_MODEL_BINARY_BY_VERSION[2] }
				: option,
		),
	};
	return [
		{ ...v1, displayOptions: { show: { '@version': [1] } } },
		{ ...v2, displayOptions: { show: { '@version': [{ _cnd: { gte: 2 } }] } } },
	];
}
