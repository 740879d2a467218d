/**
 * GPU figures for scripts/gpu-check.sh: training images/s and inference ms/image at 224×224, batch 8 and 64, on
 * tfjs-node-gpu (backend `gpu`) and on whatever CUDA PyTorch `python3` imports, in one table against issue 11's
 * targets. Anything that cannot run is printed as `unmeasured: <why>`. Options: GPU_CHECK_STEPS (20),
 * GPU_CHECK_PYTHON (python3).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runChild } from './engines/child';
import { isSkipped, type EngineFigures, type EngineResult } from './engines/figures';
import { benchTorch, REPO_ROOT, type TorchLayout } from './engines/torch';

const SIZE = 224;
const BATCHES = [8, 64] as const;
const STEPS = Number(process.env.GPU_CHECK_STEPS ?? 20);
const TARGET_TRAIN_IMAGES_PER_S = 2000;
const TARGET_INFER_MS_AT_64 = 1;

interface Measured {
	engine: string;
	batch: number;
	result: EngineResult;
}

/** Built, not merely present: its install script downloads libtensorflow and compiles the binding. */
function tfjsNodeGpuMissing(): string | undefined {
	let main: string;
	try {
		main = require.resolve('@tensorflow/tfjs-node-gpu', { paths: [REPO_ROOT] });
	} catch {
		return '@tensorflow/tfjs-node-gpu is not in node_modules';
	}
	const lib = path.join(path.dirname(main), '..', 'lib');
	const built =
		fs.existsSync(lib) &&
		fs.readdirSync(lib).some((d) => fs.existsSync(path.join(lib, d, 'tfjs_binding.node')));
	return built ? undefined : `@tensorflow/tfjs-node-gpu has no built binding under ${lib}`;
}

function tfjsGpu(batch: number): EngineResult {
	const engine = 'tfjs-node-gpu (backend gpu)';
	const missing = tfjsNodeGpuMissing();
	if (missing) return { engine, skipped: missing };
	const run = runChild<EngineFigures[]>(
		process.execPath,
		[path.join(__dirname, 'engines/tfjs.js'), 'gpu'],
		{
			...process.env,
			BENCH_SIZE: String(SIZE),
			BENCH_BATCH: String(batch),
			BENCH_STEPS: String(STEPS),
		},
	);
	return run.ok ? run.value[0]! : { engine, skipped: run.reason };
}

function torchCuda(batch: number, layout: TorchLayout): EngineResult {
	const python = process.env.GPU_CHECK_PYTHON ?? 'python3';
	const engine = `PyTorch (${python}), ${layout}`;
	const probe = runChild<boolean>(python, [
		'-c',
		'import json, torch; print(json.dumps(torch.cuda.is_available()))',
	]);
	if (!probe.ok) return { engine, skipped: `${python} cannot import torch (${probe.reason})` };
	if (!probe.value) return { engine, skipped: `${python}'s torch sees no CUDA device` };
	return benchTorch({ label: engine, python, layout }, { size: SIZE, batch, steps: STEPS }, 'cuda');
}

function mark(pass: boolean): string {
	return pass ? 'PASS' : 'MISS';
}

function line({ engine, batch, result }: Measured): string {
	if (isSkipped(result)) return `| ${engine} | ${batch} | unmeasured: ${result.skipped} | | |`;
	const rate = result.trainStepMsPerImage ? 1000 / result.trainStepMsPerImage : undefined;
	const infer = result.forwardBatchMsPerImage;
	const trainCell =
		rate === undefined
			? 'unmeasured'
			: `${rate.toFixed(0)} ${mark(rate >= TARGET_TRAIN_IMAGES_PER_S)}`;
	const inferCell =
		infer === undefined
			? 'unmeasured'
			: `${infer.toFixed(3)}${batch === 64 ? ` ${mark(infer <= TARGET_INFER_MS_AT_64)}` : ''}`;
	return `| ${result.engine} | ${batch} | ${trainCell} | ${inferCell} | ${result.forwardBatch1Ms?.toFixed(2) ?? '—'} |`;
}

function main(): void {
	const rows: Measured[] = [];
	for (const batch of BATCHES) {
		rows.push({ engine: 'tfjs-node-gpu (backend gpu)', batch, result: tfjsGpu(batch) });
		for (const layout of ['eager', 'channels_last'] as const) {
			rows.push({ engine: `PyTorch CUDA, ${layout}`, batch, result: torchCuda(batch, layout) });
		}
	}
	const lines = [
		`ResNet-18, ${SIZE}×${SIZE}, float32, ${STEPS} timed repetitions after a warm-up; targets: training ≥ ${TARGET_TRAIN_IMAGES_PER_S.toLocaleString('en-US')} images/s, inference ≤ ${TARGET_INFER_MS_AT_64} ms/image at batch 64`,
		'',
		'| engine | batch | training (images/s) | inference (ms/image) | inference, batch 1 (ms) |',
		'|---|---|---|---|---|',
		...rows.map(line),
	];
	process.stdout.write(`${lines.join('\n')}\n`);
}

main();
