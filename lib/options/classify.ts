import { INFERENCE_BATCH, TOP_K } from './inference';
import type { OptionTable, Resolved } from './option';

/** The classify command's options (node Classify Image, `resnet18 classify`, `classify()`). */
export const CLASSIFY_OPTIONS = {
	topK: {
		...TOP_K,
		default: 3,
		description: 'How many of the most probable classes to list in "topK"',
		node: { displayName: 'Top K', precision: 0 },
		cli: { flag: '--top-k <n>', help: 'most probable classes to list' },
	},
	threshold: {
		type: 'number',
		default: 0,
		min: 0,
		max: 1,
		description:
			'Below this probability of the top class the label is "unknown" (0 = always the top class). Route "unknown" to a human with an If node.',
		node: { displayName: 'Confidence Threshold', precision: 2 },
		cli: { flag: '--threshold <p>', help: 'below this confidence the label is "unknown" (0–1)' },
	},
	batchSize: {
		...INFERENCE_BATCH,
		default: 8,
		description:
			'Images per forward pass; many items are classified together, faster than one at a time',
		node: { displayName: 'Batch Size', collection: true, precision: 0 },
		cli: { flag: '--batch-size <n>', help: 'images per forward pass' },
	},
	embedding: {
		type: 'boolean',
		default: false,
		description:
			'Also put out "embedding": the image\'s 512-d pooled feature, L2-normalised, as a plain number array. Its dot product with another is their cosine similarity: near-duplicates score close to 1. Store it with the Postgres node in a float8[] column, or compare in a Code node (kNN, duplicate search).',
		node: { displayName: 'Include Embedding', collection: true },
		cli: { flag: '--embedding', help: 'add the 512-d L2-normalised embedding of each image' },
	},
	gradCam: {
		type: 'boolean',
		default: false,
		description:
			'Also put out a Grad-CAM heatmap of where in the image the evidence for the top class lies: binary property "gradCam", a PNG over the image as the model saw it (resized and centre-cropped; red is strong evidence), and "gradCam.map" in the JSON, the map\'s cells row by row with the peak at 1 (each cell is 32 × 32 input pixels), for a Code node. One more forward pass per image.',
		node: { displayName: 'Include Grad-CAM Heatmap', collection: true },
		cli: {
			flag: '--grad-cam',
			help: 'write a Grad-CAM heatmap PNG of each image (into --grad-cam-dir)',
		},
	},
	testTimeAugmentation: {
		type: 'boolean',
		default: false,
		description:
			"Average the class probabilities over views of each image that the model was trained to see: mirrored if it trained with flips, four corner crops (7/8 of the side) if it trained with random crops, both when its training is unknown. Costs one forward pass per view; Evaluate's Test-Time Augmentation option measures what it gains on your images (it can also lose).",
		node: { displayName: 'Test-Time Augmentation', collection: true },
		cli: {
			flag: '--tta',
			help: 'average over the views the model was trained on (mirror, corner crops)',
		},
	},
	resultField: {
		type: 'string',
		default: '',
		description:
			'Write label, confidence and topK under this field instead of at the top level of the item',
		node: { displayName: 'Put Result In Field', collection: true },
	},
} as const satisfies OptionTable;

export type ClassifyOptionValues = Resolved<typeof CLASSIFY_OPTIONS>;
