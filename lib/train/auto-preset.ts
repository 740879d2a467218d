import type { BackendKind } from '../compute/backend';
import type { TrainOptions } from '../options/train';
import { recommendFor, type Recommendation } from '../model-card/recommend';

/** Options as they arrive, before the table's rule (lib/train/options.ts checks them). */
type TrainOptionsInput = Partial<Record<keyof TrainOptions, unknown>>;

/** The options *Auto* fills in; anything the user set explicitly is kept. */
type PresetOptions = Pick<
	TrainOptions,
	| 'epochs'
	| 'batchSize'
	| 'learningRate'
	| 'augment'
	| 'optimizer'
	| 'schedule'
	| 'warmupEpochs'
	| 'labelSmoothing'
	| 'earlyStoppingPatience'
	| 'keepBest'
>;

export interface AutoPreset {
	readonly datasetSize: Recommendation['datasetSize'];
	readonly trainImages: number;
	/** What Auto chose, option by option (before the user's explicit settings, which win). */
	readonly chosen: PresetOptions;
	/** Options the user set explicitly, which Auto left as given. */
	readonly kept: readonly string[];
	/** One paragraph for the user: what was chosen and why. */
	readonly reason: string;
}

/**
 * *Auto* hyper-parameters: the model card's table for the dataset size (learning rate, epochs, batch size,
 * augmentation; batch 4–8 on CPU as the card advises), with the recipe that makes those epochs safe to run:
 * AdamW, one warm-up epoch then cosine decay, label smoothing 0.1, and the best epoch kept with early stopping after a
 * quarter of the epochs (at least 3) without a lower validation loss.
 */
export function autoPreset(
	trainImages: number,
	backend: BackendKind,
	explicit: TrainOptionsInput,
): AutoPreset {
	const card = recommendFor(trainImages);
	const onCpu = backend !== 'gpu';
	const chosen: PresetOptions = {
		epochs: card.epochs,
		batchSize: onCpu ? card.batchSizeOnCpu : card.batchSize,
		learningRate: card.learningRate,
		augment: card.augmentation,
		optimizer: 'adamw',
		schedule: 'cosine',
		warmupEpochs: card.epochs >= 5 ? 1 : 0,
		labelSmoothing: 0.1,
		keepBest: true,
		earlyStoppingPatience: Math.max(3, Math.round(card.epochs / 4)),
	};
	const kept = Object.keys(chosen).filter(
		(key) => explicit[key as keyof TrainOptionsInput] !== undefined,
	);
	// The sentence describes what training runs with: Auto's choice, or the user's value marked as theirs.
	const value = <K extends keyof PresetOptions>(
		key: K,
	): { v: PresetOptions[K] | unknown; mine: string } =>
		kept.includes(key) ? { v: explicit[key], mine: ' (yours)' } : { v: chosen[key], mine: '' };
	const say = <K extends keyof PresetOptions>(key: K, text: (v: unknown) => string) => {
		const { v, mine } = value(key);
		return `${text(v)}${mine}`;
	};
	const cpuNote =
		onCpu && !kept.includes('batchSize') ? " (the card's advice for CPU training)" : '';
	const optimizer = value('optimizer').v;
	const schedule = value('schedule').v;
	const warmup = Number(value('warmupEpochs').v ?? 0);
	const recipe =
		`${optimizer === 'adamw' ? 'AdamW' : optimizer === 'sgd' ? 'SGD with momentum' : 'Adam'}${value('optimizer').mine} with ` +
		(schedule === 'cosine'
			? `${warmup ? `${warmup} warm-up epoch${warmup === 1 ? '' : 's'} then ` : ''}cosine decay`
			: 'a constant learning rate') +
		`${value('schedule').mine}, ${say('labelSmoothing', (v) => `label smoothing ${String(v)}`)}, ` +
		`${value('keepBest').v === false ? 'last epoch kept' : 'best epoch kept'}${value('keepBest').mine}, ` +
		say('earlyStoppingPatience', (v) =>
			Number(v) > 0
				? `early stop after ${String(v)} validations without a lower validation loss`
				: 'no early stopping',
		);
	const reason =
		`Auto for ${trainImages} training images (${card.datasetSize} dataset, per the model card): ` +
		`${say('learningRate', (v) => `learning rate ${String(v)}`)}, ${say('epochs', (v) => `${String(v)} epochs`)}, ` +
		`${say('batchSize', (v) => `batch ${String(v)}`)}${cpuNote}, ${say('augment', (v) => `${String(v)} augmentation`)}; ${recipe}.`;
	return { datasetSize: card.datasetSize, trainImages, chosen, kept, reason };
}
