/**
 * `npm run bench`: ResNet-18 at 224×224, batch 8, on every engine this machine has — tfjs native CPU, tfjs WASM,
 * ONNX Runtime, Debian's PyTorch, pip's PyTorch (eager and channels_last) — each in a process of its own, in one
 * table of ratios against the reference: pip PyTorch, channels_last, 2 threads. Timings are printed, never asserted.
 *
 * Options (environment): BENCH_SIZE (224), BENCH_BATCH (8), BENCH_STEPS (3), BENCH_QUICK=1 (1 step, reference run
 * once, fewer fine-tuning runs), BENCH_TORCH_PYTHON (pip torch's interpreter; default .cache/bench-venv/bin/python).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchDataPath } from './data-path';
import { benchOnnxInt8 } from './engines/onnx-int8';
import { runChild } from './engines/child';
import { benchShape, isSkipped, type EngineFigures, type EngineResult } from './engines/figures';
import { bestOf, benchTorch, torchEngines } from './engines/torch';
import { engineTable, type Row } from './engines/table';

const shape = benchShape();
const quick = process.env.BENCH_QUICK === '1';

function loadavg(): string {
	try {
		return fs.readFileSync('/proc/loadavg', 'utf8').trim();
	} catch {
		return os
			.loadavg()
			.map((l) => l.toFixed(2))
			.join(' ');
	}
}

function tfjsRows(backend: string, label: string): EngineResult[] {
	const run = runChild<EngineFigures[]>(process.execPath, [
		path.join(__dirname, 'engines/tfjs.js'),
		backend,
	]);
	return run.ok ? run.value : [{ engine: label, skipped: run.reason }];
}

interface TrainingRun {
	backend: string;
	threads: number;
	peakRssMb: number;
}

/** Full fine-tuning through `train()` in a process of its own, for its peak RSS (bench/train-rss.ts). */
function fineTuneRss(backend: string, threads: number, offThread = false): number | string {
	const run = runChild<TrainingRun>(
		process.execPath,
		[path.join(__dirname, 'train-rss.js'), String(threads), ...(offThread ? ['off-thread'] : [])],
		{ ...process.env, BENCH_BACKEND: backend, RESNET18_ONNXRUNTIME: 'off' },
	);
	return run.ok ? run.value.peakRssMb : `fine-tuning run failed: ${run.reason}`;
}

function withRss(result: EngineResult, rss: number | string): EngineResult {
	if (isSkipped(result)) return result;
	return typeof rss === 'number'
		? { ...result, peakRssMb: rss }
		: { ...result, engine: `${result.engine} (RSS ${rss})` };
}

async function main(): Promise<void> {
	const loadBefore = loadavg();
	const torch = torchEngines();
	const referenceFirst = benchTorch(torch.reference, shape);
	const nativeFirst = tfjsRows('cpu-native', 'tfjs cpu-native');
	const nativeRss = isSkipped(nativeFirst[0]!) ? undefined : fineTuneRss('cpu-native', 1);
	const wasm = tfjsRows('wasm', 'tfjs wasm');
	const onnx = runChild<EngineFigures[]>(process.execPath, [
		path.join(__dirname, 'engines/onnx.js'),
	]);
	const others = torch.others.map((engine) => benchTorch(engine, shape));
	// The reference and the engine under target each run before and after the others, and keep their best: a load
	// spike on this shared machine then cannot decide a PASS or a MISS alone.
	const reference = quick
		? referenceFirst
		: bestOf(referenceFirst, benchTorch(torch.reference, shape));
	const nativeSecond =
		quick || isSkipped(nativeFirst[0]!) ? [] : tfjsRows('cpu-native', 'tfjs cpu-native');
	const native = nativeFirst.map((row, i) =>
		nativeSecond[i] ? bestOf(row, nativeSecond[i]!) : row,
	);
	const rows: Row[] = [{ result: reference }, ...others.map((result) => ({ result }))];
	rows.push(
		...native.map((result) => ({
			result: nativeRss === undefined ? result : withRss(result, nativeRss),
			targets: true,
		})),
	);
	const wasmWithRss = wasm.map((result, i) =>
		isSkipped(result) ? result : withRss(result, fineTuneRss('wasm', i === 0 ? 1 : 2)),
	);
	rows.push(...wasmWithRss.map((result) => ({ result })));
	if (!quick && !isSkipped(wasm[0]!)) {
		const offThread = fineTuneRss('wasm', 1, true);
		rows.push({
			result:
				typeof offThread === 'number'
					? {
							engine: 'tfjs wasm, train() on a thread of its own (the Train node)',
							peakRssMb: offThread,
						}
					: { engine: 'tfjs wasm, Train node', skipped: offThread },
		});
	}
	rows.push({
		result: onnx.ok ? onnx.value[0]! : { engine: 'ONNX Runtime', skipped: onnx.reason },
	});
	const loadAfter = loadavg();
	const lines = [
		`ResNet-18, ${shape.size}×${shape.size}, batch ${shape.batch}, ${shape.steps} timed repetition(s) after a warm-up, each engine in its own process; ${os.cpus().length} CPU cores (${os.cpus()[0]?.model ?? 'unknown'}); PyTorch on torch.set_num_threads(2)${quick ? '; BENCH_QUICK' : '; reference and native: best of a run before and after the others'}`,
		`/proc/loadavg before: ${loadBefore}`,
		`/proc/loadavg after:  ${loadAfter}`,
		'',
		'Ratios (in brackets) are against the reference row; targets apply to tfjs native CPU.',
		'',
		...engineTable(rows, reference, shape.batch),
	];
	// The data path must keep the fastest trainer fed: decoding at ≥ 3× its rate leaves headroom for slow disks.
	const stepTimes = rows
		.map(({ result }) => (isSkipped(result) ? undefined : result.trainStepMsPerImage))
		.filter((t): t is number => t !== undefined);
	const fastestTrainRate = 1000 / Math.min(...stepTimes);
	const data = await benchDataPath(shape.size, shape.batch);
	lines.push(
		'',
		`data path (decode + augment, 640×480 JPEG → ${shape.size}×${shape.size}, sharp on ${os.availableParallelism()} threads), vs the fastest training step above (${fastestTrainRate.toFixed(1)} images/s):`,
		'',
		'| augmentation | images/s | × training rate |',
		'|---|---|---|',
		...Object.entries(data).map(
			([preset, rate]) =>
				`| ${preset} | ${rate.toFixed(0)} | ${(rate / fastestTrainRate).toFixed(1)}× |`,
		),
	);
	lines.push('', ...(await int8Rows()));
	process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The small models' cost in speed and size: int8 and float16 against float32, all in ONNX Runtime (targets: int8 ≤
 * 0.7× the float32 time, ≤ 12.0e6 bytes). Their accuracy on a trained model is the scale spec's
 * (test/scale/precision-accuracy.test.ts) and Evaluate's "Compare With".
 */
async function int8Rows(): Promise<string[]> {
	try {
		const rows = await benchOnnxInt8(shape.size, [1, shape.batch]);
		const verdict = (ratio: number) => (ratio <= 0.7 ? 'PASS' : 'MISS');
		const bytes = rows[0]!;
		return [
			`int8 and float16 vs float32 in ONNX Runtime (${shape.size}×${shape.size}, seeded 10-class weights; int8: static QDQ calibrated on synthetic images, target ≤ 0.7× float32 time and file ≤ 12.0e6 bytes; float16: the weights rounded to binary16, run as float32 as a loaded float16 file is):`,
			'',
			'| batch | float32 ms/image | int8 ms/image | int8 / float32 | int8 target | float16 ms/image | float16 / float32 |',
			'|---|---|---|---|---|---|---|',
			...rows.map((f) => {
				const ratio = f.int8Ms / f.float32Ms;
				return `| ${f.batch} | ${f.float32Ms.toFixed(1)} | ${f.int8Ms.toFixed(1)} | ${ratio.toFixed(2)}× | ${verdict(ratio)} | ${f.float16Ms.toFixed(1)} | ${(f.float16Ms / f.float32Ms).toFixed(2)}× |`;
			}),
			'',
			`file sizes: float32 ONNX ${bytes.float32Bytes} bytes, int8 ONNX ${bytes.int8Bytes} bytes (${bytes.int8Bytes <= 12.0e6 ? 'PASS' : 'MISS'} ≤ 12.0e6); safetensors float32 ${bytes.float32FileBytes} bytes, float16 ${bytes.float16FileBytes} bytes (${(bytes.float16FileBytes / bytes.float32FileBytes).toFixed(2)}×)`,
		];
	} catch (error) {
		return [
			`int8 and float16 vs float32: skipped (${error instanceof Error ? error.message : String(error)})`,
		];
	}
}

void main().catch((error: unknown) => {
	process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
	process.exitCode = 1;
});
