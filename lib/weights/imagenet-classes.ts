import names from './imagenet-classes.json';

/**
 * The 1,000 ImageNet-1k class names in the order of the pretrained classifiers' outputs (index 0 "tench", 207
 * "golden retriever"), so ImageNet weights can label images with no training at all. Taken from torchvision's
 * `ResNet18_Weights.IMAGENET1K_V1.meta["categories"]` (torchvision 0.14, BSD-3-Clause, © Facebook, Inc. and its
 * affiliates), which timm's ImageNet-1k heads share. The JSON is imported, so tsc copies it into dist/ with the code.
 */
export const IMAGENET_CLASSES: readonly string[] = Object.freeze([...names]);

export const IMAGENET_CLASS_COUNT = 1000;

// A truncated file or a doubled line would silently mislabel predictions; fail at load time instead.
if (
	IMAGENET_CLASSES.length !== IMAGENET_CLASS_COUNT ||
	new Set(IMAGENET_CLASSES).size !== IMAGENET_CLASS_COUNT
) {
	throw new Error(
		`internal: imagenet-classes.json lists ${IMAGENET_CLASSES.length} names (${new Set(IMAGENET_CLASSES).size} distinct), expected ${IMAGENET_CLASS_COUNT}`,
	);
}
