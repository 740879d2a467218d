import type { BackendKind } from '../compute/backend';

/**
 * How much of the network training changes. `full`: every layer (what PyTorch fine-tuning does; needs a fast
 * backend). `last-stage`: layer4 and the classifier, on layer3's activations computed once per image view. `head`:
 * only the classifier, on 512-d features computed once per image view by the frozen ImageNet body: seconds instead
 * of hours on CPU, and the usual first step of fine-tuning.
 */
export const FINE_TUNE_CHOICES = ['auto', 'full', 'last-stage', 'head'] as const;
export type FineTuneChoice = (typeof FINE_TUNE_CHOICES)[number];
export type FineTuneDepth = Exclude<FineTuneChoice, 'auto'>;

export interface FineTunePlan {
	readonly depth: FineTuneDepth;
	/** One line for the user: why this depth. */
	readonly reason: string;
}

/** What Auto weighs: how many images pass through training how often, at what size. */
export interface Workload {
	readonly trainImages: number;
	readonly epochs: number;
	readonly imageSize: number;
}

/** Auto trains the deepest depth whose estimated time fits this budget (on each backend with measured rates). */
export const AUTO_LAST_STAGE_BUDGET_S = 10 * 60;

interface BackendRates {
	/** Seconds per image and epoch at 224×224. */
	readonly lastStage: number;
	readonly full: number;
	/** Whether Auto may choose Full here: only where a full step is within about 1.5× of PyTorch on the same CPU. */
	readonly autoFull: boolean;
}

/**
 * Seconds per image and epoch at 224×224 on the 2-core machines we measure on (`npm run bench:last-stage`, `npm run
 * bench`): last-stage and full steps on WebAssembly, the pure-JS backend (~40× slower), and TensorFlow native
 * (2026-12-02: a full step 107 ms/image, 1.16× PyTorch, plus the data path; the last stage 29 ms per image and epoch on
 * cached layer3 activations, 38 ms per image once for those).
 * Estimates for Auto's choice, scaled by pixel count. The GPU has no measured rates yet: it always gets Full.
 */
const SECONDS_PER_IMAGE: Readonly<Record<'wasm' | 'js' | 'cpu-native', BackendRates>> = {
	wasm: { lastStage: 0.13, full: 0.55, autoFull: false },
	js: { lastStage: 5, full: 22, autoFull: false },
	'cpu-native': { lastStage: 0.035, full: 0.12, autoFull: true },
};

export function planFineTune(
	choice: FineTuneChoice,
	backend: BackendKind,
	pretrained: boolean,
	workload?: Workload,
): FineTunePlan {
	if (choice === 'full') return { depth: 'full', reason: 'full fine-tuning, as chosen' };
	const frozenWarning = pretrained
		? ''
		: '; without pretrained weights the frozen layers are random, so expect little accuracy';
	if (choice === 'last-stage')
		return {
			depth: 'last-stage',
			reason: `last stage + classifier, as chosen: stem to layer3 frozen, their output computed once per image view${frozenWarning}`,
		};
	if (choice === 'head') {
		return {
			depth: 'head',
			reason: pretrained
				? 'classifier only, as chosen: the ImageNet body is frozen and its features are computed once per image view'
				: `classifier only, as chosen${frozenWarning}`,
		};
	}
	if (!pretrained)
		return {
			depth: 'full',
			reason: 'auto: full fine-tuning, because without pretrained weights every layer has to learn',
		};
	if (backend === 'gpu')
		return {
			depth: 'full',
			reason: `auto: full fine-tuning, because the ${backend} backend is fast enough for it`,
		};
	const rates = SECONDS_PER_IMAGE[backend];
	const hint = rates.autoFull
		? 'choose Full to train every layer anyway'
		: 'install the native engine (npx resnet18 native install) for full fine-tuning at native speed';
	if (!workload) {
		return rates.autoFull
			? {
					depth: 'full',
					reason: `auto: full fine-tuning, because the ${backend} backend is fast enough for it`,
				}
			: {
					depth: 'head',
					reason: `auto: classifier only on the ${backend} backend, where a full fine-tuning step is ~6–30× slower than PyTorch; choose Last Stage or Full to train more layers, or ${hint}`,
				};
	}
	const scale = (workload.imageSize / 224) ** 2;
	const work = workload.trainImages * workload.epochs * scale;
	const lastStage = work * rates.lastStage;
	const full = work * rates.full;
	const what = `${workload.trainImages} images × ${workload.epochs} epochs at ${workload.imageSize} px`;
	if (rates.autoFull && full <= AUTO_LAST_STAGE_BUDGET_S) {
		return {
			depth: 'full',
			reason: `auto: full fine-tuning on the ${backend} backend: ${what} ≈ ${duration(full)}`,
		};
	}
	if (lastStage <= AUTO_LAST_STAGE_BUDGET_S) {
		return {
			depth: 'last-stage',
			reason: `auto: last stage + classifier on the ${backend} backend: ${what} ≈ ${duration(lastStage)} (Full would take ≈ ${duration(full)}); ${hint}`,
		};
	}
	return {
		depth: 'head',
		reason: `auto: classifier only on the ${backend} backend: training the last stage on ${what} would take ≈ ${duration(lastStage)} (Full ≈ ${duration(full)}); choose Last Stage or Full to train more layers anyway${rates.autoFull ? '' : `, or ${hint}`}`,
	};
}

function duration(seconds: number): string {
	if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
	if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
	return `${(seconds / 3600).toFixed(1)} h`;
}
