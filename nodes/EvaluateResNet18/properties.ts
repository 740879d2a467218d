import type { INodeProperties } from 'n8n-workflow';
import { EVALUATE_OPTIONS } from '../../lib';
import { deviceProperty } from '../shared/device';
import { optionsCollection } from '../shared/option-properties';
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
	optionsCollection(EVALUATE_OPTIONS),
];
