import type { INodeProperties } from 'n8n-workflow';
import { CLASSIFY_OPTIONS } from '../../lib';
import { deviceProperty } from '../shared/device';
import { optionProperty, optionsCollection } from '../shared/option-properties';
import {
	imagenetModelSourceOption,
	imagenetSourceProperties,
	modelSourceProperties,
} from '../shared/model-source';

/** The shared model sources plus ImageNet's own classifier (no training), kept in the editor's alphabetical order. */
const classifyModelSource: INodeProperties[] = modelSourceProperties.map((p) =>
	p.name === 'modelSource' && p.options
		? {
				...p,
				options: [...p.options, imagenetModelSourceOption].sort((a, b) =>
					a.name.localeCompare(b.name),
				),
			}
		: p,
);

export const classifyProperties: INodeProperties[] = [
	...classifyModelSource,
	...imagenetSourceProperties,
	{
		displayName: 'Image Source',
		name: 'imageSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Binary Property',
				value: 'binary',
				description:
					'The image carried by the input item (webhook upload, mail attachment, Read Files, …)',
			},
			{ name: 'File Path', value: 'file', description: 'An image file on the n8n host' },
		],
		default: 'binary',
	},
	{
		displayName: 'Image Binary Property',
		name: 'imageBinaryProperty',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: { imageSource: ['binary'] } },
		description: 'Name of the binary property that holds the image',
	},
	{
		displayName: 'Image File',
		name: 'imageFile',
		type: 'string',
		default: '={{ $json.path }}',
		required: true,
		displayOptions: { show: { imageSource: ['file'] } },
		description: 'Path of the image on the n8n host',
	},
	optionProperty(CLASSIFY_OPTIONS, 'topK'),
	optionProperty(CLASSIFY_OPTIONS, 'threshold'),
	deviceProperty,
	optionsCollection(CLASSIFY_OPTIONS),
];
