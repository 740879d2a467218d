/** Per-channel normalisation applied after scaling pixels to [0, 1]: (v - mean) / std. */
export interface Normalization {
	readonly mean: readonly [number, number, number];
	readonly std: readonly [number, number, number];
}

/** The statistics torchvision's ImageNet weights were trained with. */
export const IMAGENET_NORMALIZATION: Normalization = {
	mean: [0.485, 0.456, 0.406],
	std: [0.229, 0.224, 0.225],
};
