import type { PreprocessingVersion } from '../data/preprocessing';
import { DEFAULT_CROP_PCT, type CropRounding, resizeBeforeCrop } from '../data/eval-crop';
import { IMAGENET_NORMALIZATION, type Normalization } from '../data/normalization';

/**
 * One published ImageNet ResNet-18, in the manner of timm's pretrained cfgs: where the file is, how to check it,
 * how its authors preprocess images for it, its licence, and the words the nodes and the CLI show for it. Everything
 * that differs between sources lives in this one entry.
 */
export interface PretrainedSourceSpec {
	/** The file's name in the weights cache, and after a mirror's base URL (`<baseUrl>/<file>`). */
	readonly file: string;
	readonly url: string;
	/** The Hugging Face Hub repository the file is published in, when it is. */
	readonly hfHubId?: string;
	/**
	 * The first hex digits of the file's SHA-256, checked after every download and on every cache hit. torchvision
	 * puts them in its file names (torch.hub checks the same prefix); a source without one is checked by its tensors.
	 */
	readonly sha256Prefix?: string;
	/** SPDX identifier of the weights' licence. */
	readonly license: string;
	/** Where the weights and their recipe come from. */
	readonly originUrl: string;
	/** ImageNet-1k validation top-1 accuracy (%) its authors report. */
	readonly top1: number;
	/** Side of the network input the weights were evaluated at. */
	readonly inputSize: number;
	/** Evaluation crop: shorter side resized to inputSize / cropPct, then the centre inputSize² (crop_mode center). */
	readonly cropPct: number;
	readonly cropMode: 'center';
	/** How inputSize / cropPct becomes a whole number of pixels (see CropRounding). */
	readonly cropRounding: CropRounding;
	/** The resampling the authors' transform uses; recorded here, the image pipeline uses its own (sharp's). */
	readonly interpolation: 'bilinear' | 'bicubic';
	/** timm's higher-resolution evaluation (test_input_size, test_crop_pct), when the source has one. */
	readonly testInputSize?: number;
	readonly testCropPct?: number;
	readonly normalization: Normalization;
	/** One line naming the weights, recorded in model metadata and shown as a model's source. */
	readonly title: string;
	/** What the nodes show: the option's name (`label`) and its description; the CLI's choice is `cliName`. */
	readonly ui: { readonly label: string; readonly description: string };
	/** `classify --imagenet --weights-source <cliName>`. */
	readonly cliName: string;
}

/** The published ImageNet ResNet-18 weights; the keys are the option values the nodes store in workflows. */
export const PRETRAINED_SOURCES = {
	'imagenet-torchvision': {
		file: 'resnet18-f37072fd.pth',
		url: 'https://download.pytorch.org/models/resnet18-f37072fd.pth',
		sha256Prefix: 'f37072fd',
		license: 'BSD-3-Clause',
		originUrl: 'https://github.com/pytorch/vision',
		top1: 69.758,
		// ResNet18_Weights.IMAGENET1K_V1: ImageClassification(crop_size=224), i.e. Resize(256), CenterCrop(224), bilinear.
		inputSize: 224,
		cropPct: DEFAULT_CROP_PCT,
		cropMode: 'center',
		cropRounding: 'round',
		interpolation: 'bilinear',
		normalization: IMAGENET_NORMALIZATION,
		title: 'torchvision ResNet18_Weights.IMAGENET1K_V1 (69.8 % top-1)',
		ui: {
			label: 'Torchvision',
			description:
				'resnet18-f37072fd.pth from download.pytorch.org (69.8 % top-1, BSD-3-Clause), downloaded once (45 MB, SHA-256 checked) into the weights cache',
		},
		cliName: 'torchvision',
	},
	'imagenet-timm': {
		file: 'resnet18.a1_in1k.safetensors',
		url: 'https://huggingface.co/timm/resnet18.a1_in1k/resolve/main/model.safetensors',
		hfHubId: 'timm/resnet18.a1_in1k',
		license: 'Apache-2.0',
		originUrl: 'https://github.com/huggingface/pytorch-image-models',
		top1: 71.5,
		// timm's _rcfg (ResNet Strikes Back recipe): crop_pct 0.95, bicubic, test_input_size 288 at test_crop_pct 1.0.
		inputSize: 224,
		cropPct: 0.95,
		cropMode: 'center',
		cropRounding: 'floor',
		interpolation: 'bicubic',
		testInputSize: 288,
		testCropPct: 1.0,
		normalization: IMAGENET_NORMALIZATION,
		title: 'timm resnet18.a1_in1k (71.5 % top-1)',
		ui: {
			label: 'Timm',
			description:
				'timm resnet18.a1_in1k from Hugging Face (71.5 % top-1, Apache-2.0), downloaded once (45 MB) into the weights cache',
		},
		cliName: 'timm',
	},
} as const satisfies Readonly<Record<string, PretrainedSourceSpec>>;

export type PretrainedSource = keyof typeof PRETRAINED_SOURCES;

export const PRETRAINED_SOURCE_NAMES = Object.keys(PRETRAINED_SOURCES) as PretrainedSource[];

export function isPretrainedSource(value: unknown): value is PretrainedSource {
	return typeof value === 'string' && Object.hasOwn(PRETRAINED_SOURCES, value);
}

/** The CLI's `--weights-source` choices, in the table's order. */
export const WEIGHTS_SOURCE_CHOICES = PRETRAINED_SOURCE_NAMES.map(
	(source) => PRETRAINED_SOURCES[source].cliName,
);

/** The source a `--weights-source` choice names, or undefined. */
export function sourceForCliName(cliName: string): PretrainedSource | undefined {
	return PRETRAINED_SOURCE_NAMES.find((source) => PRETRAINED_SOURCES[source].cliName === cliName);
}

/** The evaluation preprocessing of `source`'s weights at their own input size. */
export function evalPreprocessing(source: PretrainedSource): {
	readonly inputSize: number;
	readonly resizeSize: number;
	readonly normalization: Normalization;
	readonly preprocessing: PreprocessingVersion;
} {
	const spec: PretrainedSourceSpec = PRETRAINED_SOURCES[source];
	return {
		inputSize: spec.inputSize,
		resizeSize: resizeBeforeCrop(spec.inputSize, spec.cropPct, spec.cropRounding),
		normalization: spec.normalization,
		// On PIL images, as the source's own evaluation transform runs.
		preprocessing: spec.interpolation === 'bicubic' ? 'pil-bicubic/1' : 'torchvision/1',
	};
}
