import type { AugmentationChoice } from '../data/augment';
import type { FineTuneChoice } from '../train/fine-tune';
import type { ClassWeightChoice } from '../train/objective';
import { choice, type NumberSpec, type OptionTable, type Resolved } from './option';

/** Shown only while Hyper-Parameters is Manual: under Auto these come from the dataset size. */
const manual = { show: { preset: ['manual'] } } as const;

/**
 * The train command's options (node Train ResNet-18, `resnet18 train`, `train()`), with the model card's defaults,
 * ranges and advice. The table's key order is the editor's order of the "Options" collection.
 */
export const TRAIN_OPTIONS = {
	preset: choice<'manual' | 'auto'>({
		default: 'manual',
		choices: {
			manual: { name: 'Manual', description: 'Batch size, epochs and learning rate as set below' },
			auto: {
				name: 'Auto (Model Card)',
				description:
					"Chosen from the number of training images as the model card's table advises, with AdamW, warm-up + cosine decay, label smoothing 0.1 and early stopping; options you add below still win",
			},
		},
		description:
			'Auto picks learning rate, epochs, batch size and augmentation for the dataset size (tiny < 100, small 100–1,000, medium 1k–10k, large above) and says what it chose in the output',
		node: { displayName: 'Hyper-Parameters' },
		cli: {
			flag: '--preset <preset>',
			help: 'auto: epochs, batch size, learning rate, augmentation and recipe from the dataset size, as the model card advises (flags you give still win)',
		},
	}),
	batchSize: {
		type: 'integer',
		default: 8,
		min: 1,
		max: 128,
		description:
			'Images per training step (1–128). 4–8 on CPU; 8–16 for a 4 GB GPU, 32–64 for 8 GB, 64–128 for 16 GB or more. Larger batches train faster with steadier gradients.',
		node: { displayName: 'Batch Size', ...manual, precision: 0 },
		cli: { flag: '--batch-size <n>' },
	},
	epochs: {
		type: 'integer',
		default: 1,
		min: 1,
		max: 50,
		description:
			'Passes over the training images (1–50). 30–50 for under 100 images, 15–30 for 100–1,000, 5–15 for 1k–10k, 1–5 above 10k. ResNet-18 converges fast: start with about 5 and watch the first 2–3 epochs.',
		node: { displayName: 'Epochs', ...manual, precision: 0 },
		cli: { flag: '--epochs <n>' },
	},
	learningRate: {
		type: 'number',
		default: 5e-5,
		min: 1e-5,
		max: 1e-3,
		description:
			'Adam step size (0.00001–0.001). 0.00005 for standard fine-tuning, 0.0001 for larger datasets or many classes, 0.00001 for tiny datasets. Raise it when both training and validation accuracy stay low.',
		node: { displayName: 'Learning Rate', ...manual, precision: 5 },
		cli: { flag: '--lr <rate>' },
	},
	evalSteps: {
		type: 'integer',
		default: 1,
		min: 1,
		max: 50,
		description:
			'Validate every N epochs (and always after the last). Keep 1 to follow progress epoch by epoch at little cost.',
		node: { displayName: 'Eval Steps', precision: 0 },
		cli: { flag: '--eval-steps <n>' },
	},
	fineTune: choice<FineTuneChoice>({
		default: 'auto',
		choices: {
			auto: {
				name: 'Auto',
				description:
					'With pretrained weights on CPU without native TensorFlow: Last Stage when it takes under ~10 minutes, else Classifier Only; otherwise every layer',
			},
			full: {
				name: 'Full',
				description:
					'Every layer learns: best accuracy, but hours on CPU without native TensorFlow',
			},
			'last-stage': {
				name: 'Last Stage + Classifier',
				description:
					"Layer4 and the classifier learn on layer3's output, computed once per image view: about a quarter of Full's work",
			},
			head: {
				name: 'Classifier Only',
				description:
					'Only the last layer learns, on ImageNet features computed once per image: seconds to minutes',
			},
		},
		description: 'Which layers training changes. The output says what Auto chose and why.',
		node: { displayName: 'Fine-Tune Depth' },
		cli: {
			flag: '--fine-tune <depth>',
			help: 'which layers learn: full, last-stage (layer4 + classifier), head (classifier); auto: on wasm/js with --weights, last-stage when it fits ~10 min, else head',
		},
	}),
	augment: choice<AugmentationChoice>({
		default: 'auto',
		choices: {
			auto: {
				name: 'Auto',
				description:
					'By dataset size, as the model card advises: heavy under 1,000 images, standard to 10,000, light above',
			},
			none: { name: 'None', description: 'Every epoch sees the same centre crops' },
			light: { name: 'Light', description: 'Mirror images' },
			standard: {
				name: 'Standard',
				description: 'Random crops (50–100 % of the area), mirror images, rotation up to ±10°',
			},
			heavy: {
				name: 'Heavy',
				description:
					'Standard plus rotation up to ±20° and brightness, contrast and saturation changes',
			},
		},
		// true/false from earlier versions still work.
		aliases: [
			[true, 'standard'],
			[false, 'none'],
		],
		description:
			'Random changes to training images so that a small dataset is not memorised. Seeded: the same seed gives the same images.',
		node: { displayName: 'Augmentation', collection: true },
		cli: { flag: '--augment <preset>' },
	}),
	warmupEpochs: {
		type: 'integer',
		default: 0,
		min: 0,
		max: 10,
		description: 'Epochs over which the learning rate rises from near 0 (cosine schedule only)',
		node: {
			displayName: 'Warm-up Epochs',
			collection: true,
			show: { schedule: ['cosine'] },
			precision: 0,
		},
		cli: { flag: '--warmup <epochs>' },
	},
	weightDecay: {
		type: 'number',
		default: 0.01,
		min: 0,
		max: 1,
		description: "AdamW's decoupled weight decay λ",
		node: {
			displayName: 'Weight Decay',
			collection: true,
			show: { optimizer: ['adamw'] },
			precision: 4,
		},
		cli: { flag: '--weight-decay <λ>' },
	},
	earlyStoppingPatience: {
		type: 'integer',
		default: 0,
		min: 0,
		max: 50,
		description:
			'Stop after this many validations in a row without a lower validation loss (0: train all epochs). Guards against overfitting when Epochs is generous.',
		node: { displayName: 'Early Stopping Patience', collection: true, precision: 0 },
		cli: { flag: '--patience <n>' },
	},
	classWeights: choice<ClassWeightChoice>({
		default: 'auto',
		choices: {
			auto: {
				name: 'Auto',
				description:
					'Balanced weights when the largest class has at least 1.5× the training images of the smallest; none otherwise',
			},
			balanced: {
				name: 'Balanced',
				description:
					'Each class weighs n / (classes × its count): rare classes count as much as common ones',
			},
			none: { name: 'None', description: 'Every image counts the same' },
		},
		description:
			'Weights of the classes in the loss, against class imbalance. The output says which weights were used and why.',
		node: { displayName: 'Class Weights', collection: true },
		cli: { flag: '--class-weights <mode>' },
	}),
	gradientClipNorm: {
		type: 'number',
		default: 0,
		min: 0,
		max: 100,
		description:
			"Largest global L2 norm of a step's gradients (as torch's clip_grad_norm_); 0 turns clipping off. 1–5 tames loss spikes at higher learning rates. Each epoch reports how many steps were clipped.",
		node: { displayName: 'Gradient Clipping (Max Norm)', collection: true, precision: 2 },
		cli: { flag: '--clip-grad-norm <max>' },
	},
	labelSmoothing: {
		type: 'number',
		default: 0,
		min: 0,
		max: 0.5,
		description:
			'Share of the target spread over all classes (0–0.5; 0.1 is usual): less over-confident models that often generalise better',
		node: { displayName: 'Label Smoothing', collection: true, precision: 2 },
		cli: { flag: '--label-smoothing <ε>' },
	},
	bodyLearningRateFactor: {
		type: 'number',
		default: 1,
		min: 0.01,
		max: 1,
		description:
			'Discriminative fine-tuning: the pretrained layers learn at this fraction of the learning rate (0.01–1), the new classifier at the full rate. 0.1 keeps ImageNet features while the classifier adapts; 1 trains all alike.',
		node: {
			displayName: 'Pretrained Layers Learning Rate Factor',
			collection: true,
			precision: 2,
		},
		cli: { flag: '--body-lr-factor <f>' },
	},
	imageSize: {
		type: 'integer',
		default: 224,
		min: 32,
		max: 512,
		description:
			'Side of the square network input in pixels. 224 matches ImageNet weights; smaller trains much faster on CPU.',
		node: { displayName: 'Image Size', collection: true, precision: 0 },
		cli: { flag: '--image-size <px>' },
	},
	includeModelBinary: {
		type: 'boolean',
		default: true,
		description:
			'Whether to attach the model file (~45 MB) to the output item as binary property "model". It costs ~45 MB of execution data per run: in queue mode (binary data in the database) a scheduled retrain fills Postgres with it. Off, the model is still saved in the model store under its name and version.',
		node: { displayName: 'Include Model Binary', collection: true },
	},
	alsoSave: choice<'none' | 'float16' | 'int8' | 'float16-int8'>({
		default: 'none',
		choices: {
			none: { name: 'None' },
			float16: {
				name: 'Float16',
				description: 'Half the bytes (~22 MB); the same accuracy and speed on CPU',
			},
			int8: {
				name: 'Int8 (ONNX Runtime)',
				description:
					'A quarter of the bytes (~11 MB), 2–3× faster on CPU, calibrated on 128 training images; needs onnxruntime-node',
			},
			'float16-int8': { name: 'Float16 and Int8' },
		},
		description:
			'Smaller copies of the version, kept beside it in the model store before it goes live, for edge deployment (the model card advises quantization there). Classify Image picks one with Precision; Evaluate\'s "Compare With" shows what it costs in accuracy.',
		node: { displayName: 'Also Save', collection: true },
	}),
	schedule: choice<'constant' | 'cosine'>({
		default: 'constant',
		choices: {
			constant: { name: 'Constant' },
			cosine: {
				name: 'Warm-up Then Cosine Decay',
				description: 'Rises over the warm-up epochs, then falls along a cosine to 0 at the end',
			},
		},
		node: { displayName: 'Learning Rate Schedule', collection: true },
		cli: { flag: '--schedule <name>', help: 'learning-rate schedule' },
	}),
	keepBest: {
		type: 'boolean',
		default: true,
		description:
			"Whether to save the weights of the epoch with the best validation accuracy rather than the last epoch's; the report says which epoch was kept",
		node: { displayName: 'Keep Best Epoch', collection: true },
		cli: { flag: '--no-keep-best', help: 'save the last epoch instead of the best validated one' },
	},
	minAccuracyToPublish: {
		type: 'number',
		default: 0,
		min: 0,
		max: 1,
		description:
			'The new version becomes the live one (used by Classify Image by name) only if its validation accuracy reaches this (0–1). Otherwise it is kept on disk but the previous live version stays.',
		node: { displayName: 'Min Validation Accuracy to Publish', collection: true, precision: 3 },
	},
	optimizer: choice<'adam' | 'adamw' | 'sgd'>({
		default: 'adam',
		choices: {
			adam: {
				name: 'Adam',
				description: 'Torch defaults (β 0.9/0.999, ε 1e-8): the usual fine-tuning choice',
			},
			adamw: {
				name: 'AdamW',
				description: 'Adam with decoupled weight decay on convolution and classifier weights',
			},
			sgd: {
				name: 'SGD with Momentum',
				description: 'Momentum 0.9; wants a learning rate about 10× higher than Adam',
			},
		},
		node: { displayName: 'Optimizer', collection: true },
		cli: { flag: '--optimizer <name>', help: 'optimiser' },
	}),
	seed: {
		type: 'integer',
		default: 42,
		min: 0,
		max: 2 ** 31 - 1,
		description:
			'Seeds initialisation, shuffling and augmentation: the same seed and data give the same model',
		node: { displayName: 'Seed', collection: true, precision: 0 },
		cli: {
			flag: '--seed <n>',
			help: 'seed for initialisation, split, shuffling and augmentation',
		},
	},
	shuffle: {
		type: 'boolean',
		default: true,
		// Library only: off only to compare with another framework image for image.
		description: 'Seeded reshuffle every epoch',
	},
} as const satisfies OptionTable;

/** What the Train node does with a trained model; not options of training itself. */
export type PublishKey = 'includeModelBinary' | 'minAccuracyToPublish' | 'alsoSave';

/** The training options of the table (the node's publishing options left out). */
export type TrainOptionsTable = Omit<typeof TRAIN_OPTIONS, PublishKey>;

/** Training options as `train()` runs with them: every one checked, defaults filled in. */
export type TrainOptions = Resolved<TrainOptionsTable>;

export type PresetChoice = TrainOptions['preset'];
export type OptimizerChoice = TrainOptions['optimizer'];
export type ScheduleChoice = TrainOptions['schedule'];

/** The number options of training, by name (the `TRAIN_RANGES` of earlier versions). */
export type RangedOption = {
	[K in keyof TrainOptionsTable]: TrainOptionsTable[K] extends NumberSpec ? K : never;
}[keyof TrainOptionsTable];
