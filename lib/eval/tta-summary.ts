import type { Evaluation } from './evaluate';

/** What Evaluate and `resnet18 evaluate --tta` report of test-time augmentation: both scores side by side, and its cost. */
export interface TtaSummary {
	/** The views averaged (the original first), and why these. */
	readonly views: readonly string[];
	readonly basis: string;
	readonly accuracy: number;
	readonly accuracyWithout: number;
	readonly loss: number;
	readonly lossWithout: number;
	/** Images TTA turned right, and turned wrong. */
	readonly fixed: number;
	readonly broken: number;
	/** Forward time per image with TTA (all views) and without; their difference is what TTA costs. */
	readonly msPerImage: number;
	readonly msPerImageWithout: number;
	readonly extraMsPerImage: number;
}

export function ttaSummary(evaluation: Evaluation): TtaSummary | undefined {
	const tta = evaluation.testTimeAugmentation;
	if (!tta) return undefined;
	return {
		views: [...tta.views],
		basis: tta.basis,
		accuracy: tta.metrics.accuracy,
		accuracyWithout: evaluation.metrics.accuracy,
		loss: tta.metrics.loss,
		lossWithout: evaluation.metrics.loss,
		fixed: tta.fixed,
		broken: tta.broken,
		msPerImage: tta.msPerImage,
		msPerImageWithout: evaluation.msPerImage,
		extraMsPerImage: tta.msPerImage - evaluation.msPerImage,
	};
}
