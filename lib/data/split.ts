import { InvalidParameterError } from '../errors';
import { createRng } from './random';

/**
 * A seeded, stratified train/validation split: each class contributes round(n·fraction) images to validation (at
 * least one when it has two or more), so rare classes are still validated.
 */
export function stratifiedSplit<T extends { label: number }>(samples: readonly T[], fraction: number, seed: number): { train: T[]; validation: T[] } {
	if (!(fraction >= 0 && fraction <= 0.5)) throw new InvalidParameterError('validationSplit', `must be between 0 and 0.5, got ${fraction}`);
	const byClass = new Map<number, T[]>();
	for (const s of samples) {
		const members = byClass.get(s.label);
		if (members) members.push(s);
		else byClass.set(s.label, [s]);
	}
	const rng = createRng(seed);
	const train: T[] = [];
	const validation: T[] = [];
	for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
		const members = rng.shuffle([...byClass.get(label)!]);
		let take = Math.round(members.length * fraction);
		if (fraction > 0 && take === 0 && members.length >= 2) take = 1;
		validation.push(...members.slice(0, take));
		train.push(...members.slice(take));
	}
	return { train, validation };
}
