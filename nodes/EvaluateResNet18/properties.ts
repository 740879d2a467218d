import type { INodeProperties } from 'n8n-workflow';
import { deviceProperty } from '../shared/device';
import { modelSourceProperties } from '../shared/model-source';

export const evaluateProperties: INodeProperties[] = [
	...modelSourceProperties.map((p) => (p.name === 'modelSource' ? { ...p, default: 'binary' } : p)),
	{
		displayName: 'Images',
		name: 'data',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Dataset Manifest',
				value: 'manifest',
				description: 'A dataset from Load Image Dataset (the input item by default)',
			},
			{
				name: 'Folder',
				value: 'folder',
				description: 'Every image of a folder of class subfolders',
			},
		],
		default: 'manifest',
	},
	{
		displayName: 'Dataset',
		name: 'dataset',
		type: 'json',
		default: '={{ $json.kind === "resnet18-dataset" ? $json : $json.dataset }}',
		required: true,
		displayOptions: { show: { data: ['manifest'] } },
		description:
			'The dataset manifest: the input item itself when it comes from Load Image Dataset, or the "dataset" field of a Train ResNet-18 report',
	},
	{
		displayName: 'Split',
		name: 'split',
		type: 'options',
		options: [
			{
				name: 'Validation',
				value: 'validation',
				description: 'Images held out from training: an honest estimate',
			},
			{
				name: 'Training',
				value: 'train',
				description: 'Images the model learned from: shows under- or overfitting',
			},
			{ name: 'All', value: 'all' },
		],
		default: 'validation',
		displayOptions: { show: { data: ['manifest'] } },
	},
	{
		displayName: 'Folder',
		name: 'folder',
		type: 'string',
		default: '',
		required: true,
		placeholder: '/data/images/defects-test',
		displayOptions: { show: { data: ['folder'] } },
		description: 'Subfolder names must be classes the model knows',
	},
	deviceProperty,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 128, numberPrecision: 0 },
				default: 16,
				description: 'Images per forward pass; larger is faster but uses more memory',
			},
			{
				displayName: 'Max Misclassified Listed',
				name: 'maxMisclassified',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 0 },
				default: 100,
				description:
					'The most confident mistakes are listed first; they are the ones most worth a look (often mislabelled images)',
			},
			{
				displayName: 'Top K',
				name: 'topK',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 5,
				description:
					'Top-K accuracy counts an image as right when its class is among the K most probable',
			},
		],
	},
];
