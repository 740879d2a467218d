import * as assert from 'node:assert/strict';
import { Resnet18Error } from '../../lib/errors';

/** Inputs per in-process target (issue 12: at least 10,000 each), and one fixed seed per target. */
export const RUNS = Number(process.env.RESNET18_FUZZ_RUNS ?? 10_000);

/** What one fuzz target saw: outcomes by kind, and the memory it ever held above its start. */
export class FuzzTally {
	readonly outcomes = new Map<string, number>();
	inputs = 0;
	private readonly baseline = process.memoryUsage();
	private peakGrowthMb = 0;
	private largestInput = 0;

	constructor(readonly target: string) {}

	/**
	 * Run one input. It must end as a result or as one of our typed errors; anything else (TypeError, RangeError, a
	 * tfjs or JSON error) fails the property, and fast-check shrinks it to the smallest input that does.
	 */
	run<T>(inputBytes: number, fn: () => T, classify: (outcome: T | Resnet18Error) => string): void {
		this.inputs++;
		this.largestInput = Math.max(this.largestInput, inputBytes);
		let outcome: T | Resnet18Error;
		try {
			outcome = fn();
		} catch (error) {
			if (!(error instanceof Resnet18Error)) throw error;
			outcome = error;
		}
		const kind = classify(outcome);
		this.outcomes.set(kind, (this.outcomes.get(kind) ?? 0) + 1);
		if (this.inputs % 250 === 0) this.checkMemory();
	}

	count(kind: string): number {
		return this.outcomes.get(kind) ?? 0;
	}

	/** Issue 12's bound while a file is read or refused: RSS above the start ≤ 2 × the file + 100 MB. */
	checkMemory(): void {
		const now = process.memoryUsage();
		const growthMb = Math.max(
			(now.rss - this.baseline.rss) / 2 ** 20,
			(now.arrayBuffers - this.baseline.arrayBuffers) / 2 ** 20,
		);
		this.peakGrowthMb = Math.max(this.peakGrowthMb, growthMb);
		const boundMb = (2 * this.largestInput) / 2 ** 20 + 100;
		assert.ok(
			growthMb <= boundMb,
			`${this.target}: memory grew ${growthMb.toFixed(0)} MB after ${this.inputs} inputs (bound ${boundMb.toFixed(0)} MB)`,
		);
	}

	/** One line for the log (the closing note quotes them). */
	report(): string {
		this.checkMemory();
		const kinds = [...this.outcomes.entries()]
			.sort((a, b) => b[1] - a[1])
			.map(([k, n]) => `${k} ${n}`)
			.join(', ');
		return `fuzz ${this.target}: ${this.inputs} inputs; ${kinds}; peak memory growth ${this.peakGrowthMb.toFixed(0)} MB`;
	}
}

/** The name of our error class an input ended in, or "accepted". */
export function outcomeName(outcome: unknown): string {
	return outcome instanceof Resnet18Error ? outcome.constructor.name : 'accepted';
}
