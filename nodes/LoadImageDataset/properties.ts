import type { INodeProperties } from 'n8n-workflow';
import { DATASET_OPTIONS } from '../../lib';
import { optionsCollection } from '../shared/option-properties';

export const loadProperties: INodeProperties[] = [
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Folder',
				value: 'folder',
				description:
					'A folder on the n8n host with one subfolder of images per class (or train/ and val/ holding such subfolders)',
			},
			{
				name: 'Binary Items',
				value: 'binary',
				description:
					'Every input item carries one image and its label (from a form, mail, HTTP download, …)',
			},
		],
		default: 'folder',
	},
	{
		displayName: 'Folder',
		name: 'folder',
		type: 'string',
		default: '',
		required: true,
		placeholder: '/data/images/defects',
		displayOptions: { show: { source: ['folder'] } },
		description:
			'Subfolder names are the class labels. The model card asks for at least 10–20 images per class, 100 or more in all.',
	},
	{
		displayName: 'Binary Property',
		name: 'binaryProperty',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: { source: ['binary'] } },
		description: "Name of the binary property that holds each item's image",
	},
	{
		displayName: 'Label',
		name: 'label',
		type: 'string',
		default: '={{ $json.label }}',
		required: true,
		displayOptions: { show: { source: ['binary'] } },
		description: "The class of the item's image, usually an expression reading a field",
	},
	optionsCollection(DATASET_OPTIONS),
];
