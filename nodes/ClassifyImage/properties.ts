import type { INodeProperties } from 'n8n-workflow';
import { deviceProperty } from '../shared/device';
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
	{
		displayName: 'Top K',
		name: 'topK',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000, numberPrecision: 0 },
		default: 3,
		description: 'How many of the most probable classes to list in "topK"',
	},
	{
		displayName: 'Confidence Threshold',
		name: 'threshold',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
		default: 0,
		description:
			'Below this probability of the top class the label is "unknown" (0 = always the top class). Route "unknown" to a human with an If node.',
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
				default: 8,
				description:
					'Images per forward pass; many items are classified together, faster than one at a time',
			},
			{
				displayName: 'Put Result In Field',
				name: 'resultField',
				type: 'string',
				default: '',
				description:
					'Write label, confidence and topK under this field instead of at the top level of the item',
			},
		],
	},
];
