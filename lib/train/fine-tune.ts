import type { BackendKind } from '../compute/backend';

/**
 * How much of the network training changes. `full`: every layer (what PyTorch fine-tuning does; needs a fast
 * backend). `head`: only the classifier, on 512-d features computed once per image view by the frozen ImageNet
 * body: seconds instead of hours on CPU, and the usual first step of fine-tuning.
 */
export const FINE_TUNE_CHOICES = ['auto', 'full', 'head'] as const;
export type FineTuneChoice = (typeof FINE_TUNE_CHOICES)[number];
export type FineTuneDepth = Exclude<FineTuneChoice, 'auto'>;

export interface FineTunePlan {
	readonly depth: FineTuneDepth;
	/** One line for the user: why this depth. */
	readonly reason: string;
}

export function planFineTune(choice: FineTuneChoice, backend: BackendKind, pretrained: boolean): FineTunePlan {
	if (choice === 'full') return { depth: 'full', reason: 'full fine-tuning, as chosen' };
	if (choice === 'head') {
		return {
			depth: 'head',
			reason: pretrained
				? 'classifier only, as chosen: the ImageNet body is frozen and its features are computed once per image view'
				: 'classifier only, as chosen; without pretrained weights the frozen body is random, so expect little accuracy',
		};
	}
	if (!pretrained) return { depth: 'full', reason: 'auto: full fine-tuning, because without pretrained weights every layer has to learn' };
	if (backend === 'gpu' || backend === 'cpu-native') return { depth: 'full', reason: `auto: full fine-tuning, because the ${backend} backend is fast enough for it` };
	return {
		depth: 'head',
		reason: `auto: classifier only on the ${backend} backend, where a full fine-tuning step is ~30× slower than PyTorch; choose Fine-Tune Depth "Full" to train every layer (hours on CPU), or install @tensorflow/tfjs-node`,
	};
}
