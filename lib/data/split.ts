import { checkOption } from '../options/option';
import { DATASET_OPTIONS } from '../options/dataset';
import { createRng } from './random';

/**
 * A seeded, stratified train/validation split: each class contributes round(n·fraction) images to validation (at
 * least one when it has two or more), so rare classes are still validated.
 *
 * With `groupOf`, samples with the same group key (identical file contents) go to the same side, so a copy of a
 * training image never sits in validation and inflates its accuracy. A group is stratified by its first sample.
 */
export function stratifiedSplit<T extends { label: number }>(
	samples: readonly T[],
	fraction: number,
	seed: number,
	groupOf?: (sample: T, index: number) => string | undefined,
): { train: T[]; validation: T[] } {
	checkOption(DATASET_OPTIONS.validationSplit, 'validationSplit', fraction);
	const units: T[][] = [];
	const byKey = new Map<string, T[]>();
	samples.forEach((sample, i) => {
		const key = groupOf?.(sample, i);
		const existing = key === undefined ? undefined : byKey.get(key);
		if (existing) existing.push(sample);
		else {
			const unit = [sample];
			units.push(unit);
			if (key !== undefined) byKey.set(key, unit);
		}
	});
	const byClass = new Map<number, T[][]>();
	for (const unit of units) {
		const members = byClass.get(unit[0].label);
		if (members) members.push(unit);
		else byClass.set(unit[0].label, [unit]);
	}
	const rng = createRng(seed);
	const train: T[] = [];
	const validation: T[] = [];
	for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
		const members = rng.shuffle([...byClass.get(label)!]);
		let take = Math.round(members.length * fraction);
		if (fraction > 0 && take === 0 && members.length >= 2) take = 1;
		validation.push(...members.slice(0, take).flat());
		train.push(...members.slice(take).flat());
	}
	return { train, validation };
}
