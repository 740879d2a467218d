/** What every engine's child process reports to `npm run bench` (bench/run.ts), as one JSON line. */
export interface EngineFigures {
	engine: string;
	forwardBatch1Ms?: number;
	forwardBatchMsPerImage?: number;
	trainStepMsPerImage?: number;
	/** Peak RSS of a full fine-tuning process (train(), or the Python process's training steps). */
	peakRssMb?: number;
}

/** A row the bench could not measure, with the reason printed in its place. */
export interface Skipped {
	engine: string;
	skipped: string;
}

export type EngineResult = EngineFigures | Skipped;

export function isSkipped(result: EngineResult): result is Skipped {
	return 'skipped' in result;
}

export interface BenchShape {
	size: number;
	batch: number;
	steps: number;
}

/** BENCH_SIZE (224), BENCH_BATCH (8), BENCH_STEPS (3, or 1 with BENCH_QUICK=1). */
export function benchShape(): BenchShape {
	const quick = process.env.BENCH_QUICK === '1';
	return {
		size: Number(process.env.BENCH_SIZE ?? 224),
		batch: Number(process.env.BENCH_BATCH ?? 8),
		steps: Number(process.env.BENCH_STEPS ?? (quick ? 1 : 3)),
	};
}

/** Mean time of `repeats` calls after one warm-up call (kernel compilation, first allocations). */
export async function timed(fn: () => Promise<void>, repeats: number): Promise<number> {
	await fn();
	const start = performance.now();
	for (let i = 0; i < repeats; i++) await fn();
	return (performance.now() - start) / repeats;
}

/** A child's last stdout line as JSON: children print logs first and their figures last. */
export function lastJsonLine<T>(stdout: string): T {
	const line = stdout.trim().split('\n').pop() ?? '';
	return JSON.parse(line) as T;
}
