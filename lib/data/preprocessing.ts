/**
 * The versions of the evaluation/training resize, one row each. A model file records the one it was trained with, so
 * files that already exist keep theirs when the default changes.
 */
export const PREPROCESSING_VERSIONS = {
	'torchvision/1': {
		resampler: 'pil-bilinear',
		description:
			"torchvision's Resize + CenterCrop on PIL images: Pillow's antialiased bilinear resize, the longer side truncated, the crop offset rounded half to even",
	},
	'pil-bicubic/1': {
		resampler: 'pil-bicubic',
		description:
			"timm's evaluation transform on PIL images: torchvision's Resize + CenterCrop with Pillow's bicubic filter",
	},
	'sharp/0': {
		resampler: 'sharp',
		description: "sharp's resize (libvips), as model files of 0.1.x were trained with",
	},
} as const;

export type PreprocessingVersion = keyof typeof PREPROCESSING_VERSIONS;
export type Resampler = (typeof PREPROCESSING_VERSIONS)[PreprocessingVersion]['resampler'];

/** What new models are trained with, and what files from elsewhere (PyTorch exports, no metadata of ours) get. */
export const CURRENT_PREPROCESSING: PreprocessingVersion = 'torchvision/1';
/** What a file of ours without the field was trained with (0.1.x wrote none). */
export const LEGACY_PREPROCESSING: PreprocessingVersion = 'sharp/0';

export function isPreprocessingVersion(value: unknown): value is PreprocessingVersion {
	return typeof value === 'string' && Object.hasOwn(PREPROCESSING_VERSIONS, value);
}

export function resamplerOf(version: PreprocessingVersion): Resampler {
	return PREPROCESSING_VERSIONS[version].resampler;
}

/**
 * torchvision's Resize(int) output size: the shorter side becomes `shorter`, the longer `int(shorter · long / short)`
 * (truncated, in the same double arithmetic as Python).
 */
export function torchvisionResizeSize(
	width: number,
	height: number,
	shorter: number,
): { width: number; height: number } {
	if (width <= height) return { width: shorter, height: Math.trunc((shorter * height) / width) };
	return { width: Math.trunc((shorter * width) / height), height: shorter };
}

/** torchvision's CenterCrop offset, `int(round((side - crop) / 2))`: Python 3 rounds halves to even. */
export function torchvisionCropOffset(side: number, crop: number): number {
	const v = (side - crop) / 2;
	const floor = Math.floor(v);
	const diff = v - floor;
	if (diff > 0.5) return floor + 1;
	if (diff < 0.5) return floor;
	return floor % 2 === 0 ? floor : floor + 1;
}
