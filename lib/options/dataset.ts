import type { NumberSpec, OptionTable, Resolved } from './option';

/** The dataset command's options (node Load Image Dataset, `resnet18 dataset`, `manifestFromFolder()`). */
export const DATASET_OPTIONS = {
	extensions: {
		type: 'string',
		// Left out: every image type sharp reads.
		default: undefined,
		description: 'Comma-separated, case-insensitive. Other files are listed as problems, not read.',
		node: {
			displayName: 'File Extensions',
			collection: true,
			editorDefault: 'jpg,jpeg,png,webp,avif,tif,tiff,gif,bmp,heic,heif',
		},
	},
	maxPerClass: {
		type: 'integer',
		// Left out: no cap.
		default: undefined,
		min: 1,
		description: 'Cap on training images per class, for a quick first run on a large folder',
		node: {
			displayName: 'Max Images per Class',
			collection: true,
			precision: 0,
			editorDefault: 1000,
		},
	},
	maxMegapixels: {
		type: 'number',
		default: 100,
		min: 1,
		max: 1000,
		description:
			'Larger images are refused from their header without being decoded, so a decompression bomb or a 30,000 × 30,000 panorama cannot exhaust memory',
		node: { displayName: 'Max Megapixels', collection: true, precision: 0 },
		cli: { flag: '--max-megapixels <n>', help: 'refuse larger images without decoding them' },
	},
	seed: {
		type: 'integer',
		default: 42,
		min: 0,
		description:
			'The same seed picks the same validation images every run, so runs can be compared',
		node: { displayName: 'Split Seed', collection: true, precision: 0 },
	},
	validationFolder: {
		type: 'string',
		default: '',
		description:
			'A separate folder of class subfolders to validate on, instead of splitting the training images',
		node: {
			displayName: 'Validation Folder',
			collection: true,
			placeholder: '/data/images/defects-val',
		},
	},
	validationSplit: {
		type: 'number',
		default: 0.2,
		min: 0,
		max: 0.5,
		description: 'Share of each class held out to measure accuracy on unseen images',
		// The editor shows a percentage.
		node: {
			displayName: 'Validation Split (%)',
			collection: true,
			precision: 0,
			scale: 100,
			description: 'Share of each class held out to measure accuracy on unseen images (0–50)',
		},
		cli: {
			flag: '--val-split <fraction>',
			help: 'validation fraction when there is no val/ folder (0–0.5)',
		},
	},
} as const satisfies OptionTable;

/**
 * The library's form of `maxMegapixels` (`limitInputPixels` of scanImageFolder(), inspectImage(), image decoding): the
 * same rule counted in pixels, down to 1 pixel (tests and callers refuse small images with it). 0 would switch
 * sharp's limit off, and a negative one makes sharp throw, so both are refused.
 */
export const PIXEL_LIMIT = {
	type: 'integer',
	default: DATASET_OPTIONS.maxMegapixels.default * 1e6,
	min: 1,
	max: DATASET_OPTIONS.maxMegapixels.max * 1e6,
	description: 'Images with more pixels are refused from their header, before any decoding',
} as const satisfies NumberSpec;

/** `maxMegapixels` in pixels: whole, as PIXEL_LIMIT wants (999.9999999999991 megapixels is 1,000,000,000 pixels). */
export function pixelLimitOf(maxMegapixels: number): number {
	return Math.round(maxMegapixels * 1e6);
}

export type DatasetOptionValues = Resolved<typeof DATASET_OPTIONS>;
