import type { INodeProperties } from 'n8n-workflow';

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
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'File Extensions',
				name: 'extensions',
				type: 'string',
				default: 'jpg,jpeg,png,webp,avif,tif,tiff,gif,bmp,heic,heif',
				description:
					'Comma-separated, case-insensitive. Other files are listed as problems, not read.',
			},
			{
				displayName: 'Max Images per Class',
				name: 'maxPerClass',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 1000,
				description: 'Cap on training images per class, for a quick first run on a large folder',
			},
			{
				displayName: 'Max Megapixels',
				name: 'maxMegapixels',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000, numberPrecision: 0 },
				default: 100,
				description:
					'Larger images are refused from their header without being decoded, so a decompression bomb or a 30,000 × 30,000 panorama cannot exhaust memory',
			},
			{
				displayName: 'Split Seed',
				name: 'seed',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 0 },
				default: 42,
				description:
					'The same seed picks the same validation images every run, so runs can be compared',
			},
			{
				displayName: 'Validation Folder',
				name: 'validationFolder',
				type: 'string',
				default: '',
				placeholder: '/data/images/defects-val',
				description:
					'A separate folder of class subfolders to validate on, instead of splitting the training images',
			},
			{
				displayName: 'Validation Split (%)',
				name: 'validationSplit',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 50, numberPrecision: 0 },
				default: 20,
				description: 'Share of each class held out to measure accuracy on unseen images (0–50)',
			},
		],
	},
];
