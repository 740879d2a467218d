import type { INodeProperties } from 'n8n-workflow';
import { PRETRAINED_SOURCE_NAMES, TRAIN_DEFAULTS, TRAIN_RANGES } from '../../lib';
import { deviceProperty } from '../shared/device';
import { useWeightsSourceProperty } from '../shared/pretrained-download';
import { pretrainedSourceOptions } from '../shared/pretrained-options';

/** Parameter panel of Train ResNet-18. Defaults, ranges and advice are the model card's. */
export const trainProperties: INodeProperties[] = [
	{
		displayName: 'Dataset',
		name: 'dataset',
		type: 'json',
		default: '={{ $json }}',
		required: true,
		description:
			'The dataset manifest from Load Image Dataset (the default takes it from the input item)',
	},
	{
		displayName: 'Model Name',
		name: 'modelName',
		type: 'string',
		default: 'my-classifier',
		required: true,
		description:
			'Each run saves a new version under this name (v0001, v0002, …) in the models folder; Classify Image and Evaluate can use it by name',
	},
	{
		displayName: 'Hyper-Parameters',
		name: 'preset',
		type: 'options',
		options: [
			{
				name: 'Manual',
				value: 'manual',
				description: 'Batch size, epochs and learning rate as set below',
			},
			{
				name: 'Auto (Model Card)',
				value: 'auto',
				description:
					"Chosen from the number of training images as the model card's table advises, with AdamW, warm-up + cosine decay, label smoothing 0.1 and early stopping; options you add below still win",
			},
		],
		default: TRAIN_DEFAULTS.preset,
		description:
			'Auto picks learning rate, epochs, batch size and augmentation for the dataset size (tiny < 100, small 100–1,000, medium 1k–10k, large above) and says what it chose in the output',
	},
	{
		displayName: 'Batch Size',
		name: 'batchSize',
		type: 'number',
		displayOptions: { show: { preset: ['manual'] } },
		typeOptions: {
			minValue: TRAIN_RANGES.batchSize.min,
			maxValue: TRAIN_RANGES.batchSize.max,
			numberPrecision: 0,
		},
		default: TRAIN_DEFAULTS.batchSize,
		description:
			'Images per training step (1–128). 4–8 on CPU; 8–16 for a 4 GB GPU, 32–64 for 8 GB, 64–128 for 16 GB or more. Larger batches train faster with steadier gradients.',
	},
	{
		displayName: 'Epochs',
		name: 'epochs',
		type: 'number',
		displayOptions: { show: { preset: ['manual'] } },
		typeOptions: {
			minValue: TRAIN_RANGES.epochs.min,
			maxValue: TRAIN_RANGES.epochs.max,
			numberPrecision: 0,
		},
		default: TRAIN_DEFAULTS.epochs,
		description:
			'Passes over the training images (1–50). 30–50 for under 100 images, 15–30 for 100–1,000, 5–15 for 1k–10k, 1–5 above 10k. ResNet-18 converges fast: start with about 5 and watch the first 2–3 epochs.',
	},
	{
		displayName: 'Learning Rate',
		name: 'learningRate',
		type: 'number',
		displayOptions: { show: { preset: ['manual'] } },
		typeOptions: {
			minValue: TRAIN_RANGES.learningRate.min,
			maxValue: TRAIN_RANGES.learningRate.max,
			numberPrecision: 5,
		},
		default: TRAIN_DEFAULTS.learningRate,
		description:
			'Adam step size (0.00001–0.001). 0.00005 for standard fine-tuning, 0.0001 for larger datasets or many classes, 0.00001 for tiny datasets. Raise it when both training and validation accuracy stay low.',
	},
	{
		displayName: 'Eval Steps',
		name: 'evalSteps',
		type: 'number',
		typeOptions: {
			minValue: TRAIN_RANGES.evalSteps.min,
			maxValue: TRAIN_RANGES.evalSteps.max,
			numberPrecision: 0,
		},
		default: TRAIN_DEFAULTS.evalSteps,
		description:
			'Validate every N epochs (and always after the last). Keep 1 to follow progress epoch by epoch at little cost.',
	},
	{
		displayName: 'Pretrained Weights',
		name: 'pretrained',
		type: 'options',
		options: [
			...pretrainedSourceOptions((label) => `ImageNet (${label})`),
			{
				name: 'File',
				value: 'file',
				description:
					'A torchvision/timm ResNet-18 weights file (.pth or .safetensors) on the n8n host',
			},
			{
				name: 'Binary Property',
				value: 'binary',
				description:
					'A .pth or .safetensors weights file in a binary property of the input item (from HTTP Request or Read Files, merged with the dataset)',
			},
			{
				name: 'None (From Scratch)',
				value: 'none',
				description: 'Random start; needs many more images and epochs',
			},
		],
		default: 'imagenet-torchvision',
		description:
			'ImageNet-pretrained weights make small datasets work. Without network, place the file in the weights cache (the error says where) or choose File.',
	},
	{
		displayName: 'Weights File',
		name: 'weightsFile',
		type: 'string',
		default: '',
		required: true,
		placeholder: '/data/weights/resnet18-f37072fd.pth',
		displayOptions: { show: { pretrained: ['file'] } },
		description:
			'Path of the ImageNet ResNet-18 weights on the n8n host; the 1,000-class classifier is replaced by one for your classes',
	},
	{
		displayName: 'Weights Binary Property',
		name: 'weightsBinaryProperty',
		type: 'string',
		default: 'weights',
		required: true,
		displayOptions: { show: { pretrained: ['binary'] } },
		description:
			'Name of the binary property of the input item that holds the weights file; its 1,000-class classifier is replaced by one for your classes',
	},
	useWeightsSourceProperty({ pretrained: [...PRETRAINED_SOURCE_NAMES] }),
	{
		displayName: 'Fine-Tune Depth',
		name: 'fineTune',
		type: 'options',
		options: [
			{
				name: 'Auto',
				value: 'auto',
				description:
					'With pretrained weights on CPU without native TensorFlow: Last Stage when it takes under ~10 minutes, else Classifier Only; otherwise every layer',
			},
			{
				name: 'Full',
				value: 'full',
				description:
					'Every layer learns: best accuracy, but hours on CPU without native TensorFlow',
			},
			{
				name: 'Last Stage + Classifier',
				value: 'last-stage',
				description:
					"Layer4 and the classifier learn on layer3's output, computed once per image view: about a quarter of Full's work",
			},
			{
				name: 'Classifier Only',
				value: 'head',
				description:
					'Only the last layer learns, on ImageNet features computed once per image: seconds to minutes',
			},
		],
		default: 'auto',
		description: 'Which layers training changes. The output says what Auto chose and why.',
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
				displayName: 'Augmentation',
				name: 'augment',
				type: 'options',
				options: [
					{
						name: 'Auto',
						value: 'auto',
						description:
							'By dataset size, as the model card advises: heavy under 1,000 images, standard to 10,000, light above',
					},
					{ name: 'None', value: 'none', description: 'Every epoch sees the same centre crops' },
					{ name: 'Light', value: 'light', description: 'Mirror images' },
					{
						name: 'Standard',
						value: 'standard',
						description: 'Random crops (50–100 % of the area), mirror images, rotation up to ±10°',
					},
					{
						name: 'Heavy',
						value: 'heavy',
						description:
							'Standard plus rotation up to ±20° and brightness, contrast and saturation changes',
					},
				],
				default: TRAIN_DEFAULTS.augment,
				description:
					'Random changes to training images so that a small dataset is not memorised. Seeded: the same seed gives the same images.',
			},
			{
				displayName: 'Warm-up Epochs',
				name: 'warmupEpochs',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 10, numberPrecision: 0 },
				default: TRAIN_DEFAULTS.warmupEpochs,
				displayOptions: { show: { schedule: ['cosine'] } },
				description: 'Epochs over which the learning rate rises from near 0 (cosine schedule only)',
			},
			{
				displayName: 'Weight Decay',
				name: 'weightDecay',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 4 },
				default: TRAIN_DEFAULTS.weightDecay,
				displayOptions: { show: { optimizer: ['adamw'] } },
				description: "AdamW's decoupled weight decay λ",
			},
			{
				displayName: 'Early Stopping Patience',
				name: 'earlyStoppingPatience',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 50, numberPrecision: 0 },
				default: 0,
				description:
					'Stop after this many validations in a row without a lower validation loss (0: train all epochs). Guards against overfitting when Epochs is generous.',
			},
			{
				displayName: 'Class Weights',
				name: 'classWeights',
				type: 'options',
				options: [
					{
						name: 'Auto',
						value: 'auto',
						description:
							'Balanced weights when the largest class has at least 1.5× the training images of the smallest; none otherwise',
					},
					{
						name: 'Balanced',
						value: 'balanced',
						description:
							'Each class weighs n / (classes × its count): rare classes count as much as common ones',
					},
					{ name: 'None', value: 'none', description: 'Every image counts the same' },
				],
				default: TRAIN_DEFAULTS.classWeights,
				description:
					'Weights of the classes in the loss, against class imbalance. The output says which weights were used and why.',
			},
			{
				displayName: 'Gradient Clipping (Max Norm)',
				name: 'gradientClipNorm',
				type: 'number',
				typeOptions: {
					minValue: TRAIN_RANGES.gradientClipNorm.min,
					maxValue: TRAIN_RANGES.gradientClipNorm.max,
					numberPrecision: 2,
				},
				default: TRAIN_DEFAULTS.gradientClipNorm,
				description:
					"Largest global L2 norm of a step's gradients (as torch's clip_grad_norm_); 0 turns clipping off. 1–5 tames loss spikes at higher learning rates. Each epoch reports how many steps were clipped.",
			},
			{
				displayName: 'Label Smoothing',
				name: 'labelSmoothing',
				type: 'number',
				typeOptions: {
					minValue: TRAIN_RANGES.labelSmoothing.min,
					maxValue: TRAIN_RANGES.labelSmoothing.max,
					numberPrecision: 2,
				},
				default: TRAIN_DEFAULTS.labelSmoothing,
				description:
					'Share of the target spread over all classes (0–0.5; 0.1 is usual): less over-confident models that often generalise better',
			},
			{
				displayName: 'Pretrained Layers Learning Rate Factor',
				name: 'bodyLearningRateFactor',
				type: 'number',
				typeOptions: {
					minValue: TRAIN_RANGES.bodyLearningRateFactor.min,
					maxValue: TRAIN_RANGES.bodyLearningRateFactor.max,
					numberPrecision: 2,
				},
				default: TRAIN_DEFAULTS.bodyLearningRateFactor,
				description:
					'Discriminative fine-tuning: the pretrained layers learn at this fraction of the learning rate (0.01–1), the new classifier at the full rate. 0.1 keeps ImageNet features while the classifier adapts; 1 trains all alike.',
			},
			{
				displayName: 'Image Size',
				name: 'imageSize',
				type: 'number',
				typeOptions: {
					minValue: TRAIN_RANGES.imageSize.min,
					maxValue: TRAIN_RANGES.imageSize.max,
					numberPrecision: 0,
				},
				default: TRAIN_DEFAULTS.imageSize,
				description:
					'Side of the square network input in pixels. 224 matches ImageNet weights; smaller trains much faster on CPU.',
			},
			{
				displayName: 'Include Model Binary',
				name: 'includeModelBinary',
				type: 'boolean',
				default: true,
				description:
					'Whether to attach the model file (~45 MB) to the output item as binary property "model"',
			},
			{
				displayName: 'Learning Rate Schedule',
				name: 'schedule',
				type: 'options',
				options: [
					{ name: 'Constant', value: 'constant' },
					{
						name: 'Warm-up Then Cosine Decay',
						value: 'cosine',
						description: 'Rises over the warm-up epochs, then falls along a cosine to 0 at the end',
					},
				],
				default: TRAIN_DEFAULTS.schedule,
			},
			{
				displayName: 'Keep Best Epoch',
				name: 'keepBest',
				type: 'boolean',
				default: true,
				description:
					"Whether to save the weights of the epoch with the best validation accuracy rather than the last epoch's; the report says which epoch was kept",
			},
			{
				displayName: 'Min Validation Accuracy to Publish',
				name: 'minAccuracyToPublish',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 3 },
				default: 0,
				description:
					'The new version becomes the live one (used by Classify Image by name) only if its validation accuracy reaches this (0–1). Otherwise it is kept on disk but the previous live version stays.',
			},
			{
				displayName: 'Optimizer',
				name: 'optimizer',
				type: 'options',
				options: [
					{
						name: 'Adam',
						value: 'adam',
						description: 'Torch defaults (β 0.9/0.999, ε 1e-8): the usual fine-tuning choice',
					},
					{
						name: 'AdamW',
						value: 'adamw',
						description: 'Adam with decoupled weight decay on convolution and classifier weights',
					},
					{
						name: 'SGD with Momentum',
						value: 'sgd',
						description: 'Momentum 0.9; wants a learning rate about 10× higher than Adam',
					},
				],
				default: TRAIN_DEFAULTS.optimizer,
			},
			{
				displayName: 'Seed',
				name: 'seed',
				type: 'number',
				typeOptions: { minValue: TRAIN_RANGES.seed.min, numberPrecision: 0 },
				default: TRAIN_DEFAULTS.seed,
				description:
					'Seeds initialisation, shuffling and augmentation: the same seed and data give the same model',
			},
		],
	},
];
