import type { AugmentationPreset } from '../data/augment';

/**
 * The model card's configuration table: dataset size → learning rate, epochs, batch size and augmentation. It is what
 * Load Image Dataset recommends and what *Auto* augmentation picks.
 */

export interface Recommendation {
	readonly datasetSize: 'tiny' | 'small' | 'medium' | 'large';
	readonly images: number;
	readonly epochs: number;
	readonly epochRange: readonly [number, number];
	readonly batchSize: number;
	/** On CPU the card advises 4–8 whatever the dataset size. */
	readonly batchSizeOnCpu: number;
	readonly learningRate: number;
	readonly augmentation: AugmentationPreset;
	readonly advice: string;
}

export function recommendFor(trainingImages: number): Recommendation {
	const images = Math.max(0, Math.floor(trainingImages));
	if (images < 100) {
		return {
			datasetSize: 'tiny',
			images,
			epochs: 40,
			epochRange: [30, 50],
			batchSize: 4,
			batchSizeOnCpu: 4,
			learningRate: 1e-5,
			augmentation: 'heavy',
			advice:
				'Under 100 images: start from ImageNet weights, learning rate 0.00001, 30–50 epochs, batch 4, maximum augmentation. Collect more images if you can; classical methods may do as well.',
		};
	}
	if (images <= 1000) {
		return {
			datasetSize: 'small',
			images,
			epochs: 20,
			epochRange: [15, 25],
			batchSize: 16,
			batchSizeOnCpu: 8,
			learningRate: 5e-5,
			augmentation: 'heavy',
			advice:
				'100–1,000 images, the range ResNet-18 suits best: learning rate 0.00005, 15–25 epochs, batch 8–16, heavy augmentation.',
		};
	}
	if (images <= 10000) {
		return {
			datasetSize: 'medium',
			images,
			epochs: 10,
			epochRange: [5, 15],
			batchSize: 32,
			batchSizeOnCpu: 8,
			learningRate: 1e-4,
			augmentation: 'standard',
			advice:
				'1,000–10,000 images: learning rate 0.00005–0.0001, 5–15 epochs, batch 32, standard augmentation.',
		};
	}
	return {
		datasetSize: 'large',
		images,
		epochs: 5,
		epochRange: [3, 10],
		batchSize: 64,
		batchSizeOnCpu: 8,
		learningRate: 1e-4,
		augmentation: 'light',
		advice:
			'Over 10,000 images: learning rate 0.0001, 3–10 epochs, batch 64, light augmentation. A larger model (ResNet-50) would use this much data better.',
	};
}
