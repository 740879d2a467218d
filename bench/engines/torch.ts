import * as fs from 'node:fs';
import * as path from 'node:path';
import { runChild } from './child';
import type { BenchShape, EngineFigures, EngineResult } from './figures';

/** The checkout's root, from dist/bench/engines. */
export const REPO_ROOT = path.join(__dirname, '../../..');
const SCRIPT = path.join(REPO_ROOT, 'bench/torch_bench.py');
const DEBIAN_PYTHON = '/usr/bin/python3';
/** Where bench/README.md tells users to create the reference's venv. */
const DEFAULT_VENV_PYTHON = path.join(REPO_ROOT, '.cache/bench-venv/bin/python');

export type TorchLayout = 'eager' | 'channels_last';

export interface TorchEngine {
	label: string;
	python: string | undefined;
	layout: TorchLayout;
	/** Why there is no interpreter, when `python` is undefined. */
	missing?: string;
}

/** pip's torch: BENCH_TORCH_PYTHON, else the venv bench/README.md describes. */
export function pipTorchPython(): { python?: string; missing?: string } {
	const fromEnv = process.env.BENCH_TORCH_PYTHON;
	if (fromEnv) {
		return fs.existsSync(fromEnv)
			? { python: fromEnv }
			: { missing: `BENCH_TORCH_PYTHON=${fromEnv} does not exist` };
	}
	if (fs.existsSync(DEFAULT_VENV_PYTHON)) return { python: DEFAULT_VENV_PYTHON };
	return {
		missing:
			'no pip torch: set BENCH_TORCH_PYTHON, or `python3.11 -m venv .cache/bench-venv && .cache/bench-venv/bin/pip install torch==2.13.0+cpu --index-url https://download.pytorch.org/whl/cpu`',
	};
}

export function torchEngines(): { reference: TorchEngine; others: TorchEngine[] } {
	const pip = pipTorchPython();
	const debianPresent = fs.existsSync(DEBIAN_PYTHON);
	return {
		reference: {
			label: 'pip PyTorch, channels_last',
			python: pip.python,
			layout: 'channels_last',
			missing: pip.missing,
		},
		others: [
			{ label: 'pip PyTorch, eager', python: pip.python, layout: 'eager', missing: pip.missing },
			{
				label: 'Debian PyTorch, eager',
				python: debianPresent ? DEBIAN_PYTHON : undefined,
				layout: 'eager',
				missing: `${DEBIAN_PYTHON} not found`,
			},
		],
	};
}

/** One torch engine's figures, or the reason it was skipped (no interpreter, no torch, a failed run). */
export function benchTorch(
	engine: TorchEngine,
	shape: BenchShape,
	device: 'cpu' | 'cuda' = 'cpu',
): EngineResult {
	if (!engine.python) return { engine: engine.label, skipped: engine.missing ?? 'no interpreter' };
	const probe = runChild<unknown>(engine.python, [
		'-c',
		'import torch, json; print(json.dumps(1))',
	]);
	if (!probe.ok) {
		return {
			engine: engine.label,
			skipped: `${engine.python} has no torch${engine.python === DEBIAN_PYTHON ? ' (apt-get install python3-torch)' : ''}`,
		};
	}
	const run = runChild<EngineFigures>(engine.python, [
		SCRIPT,
		String(shape.size),
		String(shape.batch),
		String(shape.steps),
		engine.layout,
		device,
	]);
	return run.ok ? run.value : { engine: engine.label, skipped: `${engine.python}: ${run.reason}` };
}

/** The faster of two runs of the same engine, measure by measure: the reference is never handicapped by noise. */
export function bestOf(a: EngineResult, b: EngineResult): EngineResult {
	if ('skipped' in a) return b;
	if ('skipped' in b) return a;
	const min = (x?: number, y?: number) =>
		x === undefined ? y : y === undefined ? x : Math.min(x, y);
	return {
		engine: a.engine,
		forwardBatch1Ms: min(a.forwardBatch1Ms, b.forwardBatch1Ms),
		forwardBatchMsPerImage: min(a.forwardBatchMsPerImage, b.forwardBatchMsPerImage),
		trainStepMsPerImage: min(a.trainStepMsPerImage, b.trainStepMsPerImage),
		peakRssMb: min(a.peakRssMb, b.peakRssMb),
	};
}
