import { INFERENCE_BATCH, TOP_K } from './inference';
import type { OptionTable, Resolved } from './option';

/** The evaluate command's options (node Evaluate ResNet-18, `resnet18 evaluate`, `evaluate()`). */
export const EVALUATE_OPTIONS = {
	batchSize: {
		...INFERENCE_BATCH,
		default: 16,
		description: 'Images per forward pass; larger is faster but uses more memory',
		node: { displayName: 'Batch Size', collection: true, precision: 0 },
		cli: { flag: '--batch-size <n>' },
	},
	maxMisclassified: {
		type: 'integer',
		default: 100,
		min: 0,
		description:
			'The most confident mistakes are listed first; they are the ones most worth a look (often mislabelled images)',
		node: { displayName: 'Max Misclassified Listed', collection: true, precision: 0 },
	},
	topK: {
		...TOP_K,
		default: 5,
		description:
			'Top-K accuracy counts an image as right when its class is among the K most probable',
		node: { displayName: 'Top K', collection: true, precision: 0 },
		cli: { flag: '--top-k <n>' },
	},
	testTimeAugmentation: {
		type: 'boolean',
		default: false,
		description:
			'Also score each image as the mean over the views the model was trained to see (mirrored, four corner crops), as Classify Image\'s Test-Time Augmentation does: "testTimeAugmentation" gives the views, the accuracy and loss with and without them, the images TTA fixed and broke, and the time it costs (one forward pass per view)',
		node: { displayName: 'Test-Time Augmentation', collection: true },
		cli: {
			flag: '--tta',
			help: 'also score with test-time augmentation, and what it costs',
		},
	},
	knnBaseline: {
		type: 'boolean',
		default: false,
		description:
			"Also score a baseline without fine-tuning: each image gets the majority class of its 5 nearest training images by cosine similarity of the ImageNet-pretrained body's embeddings (the template gallery's kNN-on-embeddings pattern). Uses the ImageNet weights already in the weights cache (never downloads; says so when they are missing); references are the dataset's training images, or every other scored image for a folder. Embeds every reference image once.",
		node: { displayName: 'kNN Baseline (ImageNet Embeddings)', collection: true },
		cli: {
			flag: '--knn-baseline',
			help: 'also score kNN on ImageNet embeddings (weights from --weights-cache)',
		},
	},
	compareWith: {
		type: 'string',
		default: undefined,
		description:
			'The same model in another precision, scored on the same images beside it: accuracy, file size and ms per image of both. A file path (a .float16.safetensors, or an .int8.onnx from `resnet18 export-onnx --int8` or Train), or for a named model "float16" or "int8" (that precision of its live version). int8 runs only in ONNX Runtime (npm install onnxruntime-node).',
		node: {
			displayName: 'Compare With (Other Precision)',
			collection: true,
			placeholder: 'int8',
		},
		cli: {
			flag: '--compare <file>',
			help: 'score this file (float16 or int8 of the same model) beside it',
		},
	},
} as const satisfies OptionTable;

export type EvaluateOptionValues = Resolved<typeof EVALUATE_OPTIONS>;
