import * as os from 'node:os';

/** Cores this process may use (Node's view of the CPU quota where it has one). */
export function availableCores(): number {
	return typeof os.availableParallelism === 'function'
		? os.availableParallelism()
		: os.cpus().length;
}

/** RESNET18_THREADS when it is a positive whole number: the user's cap on threads (e.g. on a shared host). */
export function threadsFromEnvironment(): number | undefined {
	const value = Number(process.env.RESNET18_THREADS);
	return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** [start, count] of each thread's share of n items, as even as possible, thread 0 first. */
export function splitShares(n: number, threads: number): [number, number][] {
	const shares: [number, number][] = [];
	let start = 0;
	for (let t = 0; t < threads; t++) {
		const count = Math.floor(n / threads) + (t < n % threads ? 1 : 0);
		shares.push([start, count]);
		start += count;
	}
	return shares;
}
