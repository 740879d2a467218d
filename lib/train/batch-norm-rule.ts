import { layer3Side } from '../model/architecture';

/**
 * Batch norm cannot normalise a single value per channel (torch raises): a step is possible only when the images
 * of a batch (or of a thread's share), times the positions of the smallest batch-normalised map, give more than one
 * value per channel. At 32 px layer4's map is 1×1, so a batch of one image cannot be stepped there. The one
 * statement of that rule, for every feed and for the split over threads.
 */
export function canBatchNormalise(images: number, smallestMapSide: number): boolean {
	return images * smallestMapSide * smallestMapSide > 1;
}

/** The side of layer4's map, the smallest the network batch-normalises, for a square input of `imageSize`. */
export function layer4Side(imageSize: number): number {
	return Math.floor((layer3Side(imageSize) - 1) / 2) + 1;
}
