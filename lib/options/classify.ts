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
	resultField: {
		type: 'string',
		default: '',
		description:
			'Write label, confidence and topK under this field instead of at the top level of the item',
		node: { displayName: 'Put Result In Field', collection: true },
	},
} as const satisfies OptionTable;

export type ClassifyOptionValues = Resolved<typeof CLASSIFY_OPTIONS>;
