import type { Rng } from './random';

/** How much a training view of an image is varied (the model card's table picks one by dataset size). */
export type AugmentationPreset = 'none' | 'light' | 'standard' | 'heavy';

/**
 * Training-time augmentation presets, after torchvision's transforms. The model card asks for "maximum
 * augmentation" on tiny datasets and light augmentation on large ones; *Auto* picks by dataset size.
 */
export interface AugmentationSpec {
	/** RandomResizedCrop area range; undefined: resize and centre-crop as at evaluation. */
	readonly cropScale?: readonly [number, number];
	readonly flip: boolean;
	/** RandomRotation: a uniform angle in ±degrees (corners filled white, like flattened alpha). */
	readonly rotation: number;
	/** ColorJitter strengths: each factor uniform in [1 − s, 1 + s]. */
	readonly colorJitter?: {
		readonly brightness: number;
		readonly contrast: number;
		readonly saturation: number;
	};
}

export const AUGMENTATION_PRESETS: Readonly<Record<AugmentationPreset, AugmentationSpec>> = {
	none: { flip: false, rotation: 0 },
	light: { flip: true, rotation: 0 },
	standard: { cropScale: [0.5, 1], flip: true, rotation: 10 },
	heavy: {
		cropScale: [0.5, 1],
		flip: true,
		rotation: 20,
		colorJitter: { brightness: 0.3, contrast: 0.3, saturation: 0.3 },
	},
};

export const AUGMENTATION_CHOICES = ['auto', 'none', 'light', 'standard', 'heavy'] as const;
export type AugmentationChoice = (typeof AUGMENTATION_CHOICES)[number];

export interface ColorFactors {
	readonly brightness: number;
	readonly contrast: number;
	readonly saturation: number;
}

export function sampleColorFactors(spec: AugmentationSpec, rng: Rng): ColorFactors | undefined {
	const j = spec.colorJitter;
	if (!j) return undefined;
	const factor = (s: number) => 1 - s + rng.next() * 2 * s;
	return {
		brightness: factor(j.brightness),
		contrast: factor(j.contrast),
		saturation: factor(j.saturation),
	};
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/**
 * torchvision's ColorJitter on 8-bit RGB values in place (brightness, then contrast against the mean grey level, then
 * saturation against each pixel's grey; clamped after each step as torchvision does).
 */
export function jitterColors(rgb: Float32Array, factors: ColorFactors): void {
	const { brightness, contrast, saturation } = factors;
	let greySum = 0;
	for (let i = 0; i < rgb.length; i += 3) {
		rgb[i] = clamp(rgb[i] * brightness);
		rgb[i + 1] = clamp(rgb[i + 1] * brightness);
		rgb[i + 2] = clamp(rgb[i + 2] * brightness);
		greySum += 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2];
	}
	const mean = greySum / (rgb.length / 3);
	for (let i = 0; i < rgb.length; i += 3) {
		const r = clamp(mean + (rgb[i] - mean) * contrast);
		const g = clamp(mean + (rgb[i + 1] - mean) * contrast);
		const b = clamp(mean + (rgb[i + 2] - mean) * contrast);
		const grey = 0.299 * r + 0.587 * g + 0.114 * b;
		rgb[i] = clamp(grey + (r - grey) * saturation);
		rgb[i + 1] = clamp(grey + (g - grey) * saturation);
		rgb[i + 2] = clamp(grey + (b - grey) * saturation);
	}
}
