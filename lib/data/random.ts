/**
 * A small seeded PRNG (mulberry32): the same seed gives the same split, shuffle, initialisation and augmentation
 * on every machine, which `Math.random` cannot.
 */
export interface Rng {
	/** Uniform in [0, 1). */
	next(): number;
	/** Uniform integer in [0, n). */
	int(n: number): number;
	/** Fisher–Yates, in place; returns the array. */
	shuffle<T>(array: T[]): T[];
}

export function createRng(seed: number): Rng {
	let state = seed >>> 0;
	const next = (): number => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const int = (n: number): number => Math.floor(next() * n);
	return {
		next,
		int,
		shuffle<T>(array: T[]): T[] {
			for (let i = array.length - 1; i > 0; i--) {
				const j = int(i + 1);
				[array[i], array[j]] = [array[j], array[i]];
			}
			return array;
		},
	};
}

/** Derive an independent seed from a seed and a counter (e.g. per epoch, per sample). */
export function deriveSeed(seed: number, counter: number): number {
	let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(counter + 1, 0xc2b2ae35)) >>> 0;
	h ^= h >>> 16;
	h = Math.imul(h, 0x7feb352d) >>> 0;
	return (h ^ (h >>> 15)) >>> 0;
}
