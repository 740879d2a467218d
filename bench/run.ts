/**
 * `npm run bench`: ResNet-18 speed on the backend in use, side by side with Debian's PyTorch when it is installed.
 * Prints ratios (ours / PyTorch) rather than asserting times: timings belong to benchmarks, not to tests.
 *
 * Options (environment): BENCH_SIZE (224), BENCH_BATCH (8), BENCH_STEPS (3), BENCH_BACKEND (auto).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../lib/compute/tf';
import { useBackend, type BackendChoice } from '../lib/compute/backend';
import { ResNet18 } from '../lib/model/resnet18';
import { createAdam } from '../lib/train/optimizers';
import { trainingStep } from '../lib/train/step';
import { benchDataPath } from './data-path';
import { ParallelTrainer } from '../lib/train/parallel/trainer';
import { microBatchSize } from '../lib/train/micro-batch';
import { attachOnnxRuntime, detachOnnxRuntime } from '../lib/infer/onnx-runtime';
import { detachInference, prepareInference } from '../lib/infer/engine';
import { predictProbabilities } from '../lib/infer/predict';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { MODEL_FORMAT, type ModelMetadata } from '../lib/model-file/metadata';

interface EngineFigures {
	engine: string;
	forwardBatch1Ms: number;
	forwardBatchMsPerImage: number;
	trainStepMsPerImage: number;
	peakRssMb: number;
	parallel?: { threads: number; trainStepMsPerImage: number };
	/** Classify Image's path on WASM without ONNX Runtime: the batch shared by worker threads. */
	pooled?: { threads: number; forwardBatchMsPerImage: number };
}

interface TrainingRun {
	threads: number;
	offThread?: boolean;
	microBatch?: number;
	peakRssMb: number;
}

const size = Number(process.env.BENCH_SIZE ?? 224);
const batch = Number(process.env.BENCH_BATCH ?? 8);
const steps = Number(process.env.BENCH_STEPS ?? 3);
const TORCH_PYTHON = '/usr/bin/python3';

async function timed(fn: () => Promise<void>, repeats: number): Promise<number> {
	await fn(); // warm-up: kernel compilation and first allocations
	const start = performance.now();
	for (let i = 0; i < repeats; i++) await fn();
	return (performance.now() - start) / repeats;
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);

async function benchOurs(): Promise<EngineFigures> {
	const backend = await useBackend(
		(process.env.BENCH_BACKEND as BackendChoice | undefined) ?? 'auto',
	);
	const model = ResNet18.initialize(10, 0);
	const x8 = tf.randomNormal([batch, size, size, 3]) as tf.Tensor4D;
	const x1 = tf.randomNormal([1, size, size, 3]) as tf.Tensor4D;
	const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
	const forward = (x: tf.Tensor4D) => async () => {
		const logits = model.forward(x);
		await logits.data();
		logits.dispose();
	};
	const forwardBatch = await timed(forward(x8), steps);
	const forward1 = await timed(forward(x1), steps * 2);
	// Inference as Classify Image and Evaluate run it without ONNX Runtime: every core through a worker pool.
	let pooled: EngineFigures['pooled'];
	const engine = await prepareInference(model, benchMetadata(), {
		images: batch,
		onnxRuntime: false,
	});
	if (engine.engine === 'tfjs' && engine.threads > 1) {
		const pixels = (await x8.data()) as Float32Array;
		pooled = {
			threads: engine.threads,
			forwardBatchMsPerImage:
				(await timed(
					async () => void (await predictProbabilities(model, pixels, size)),
					steps * 2,
				)) / batch,
		};
	}
	await detachInference(model);
	const optimizer = createAdam(5e-5);
	const trainStep = await timed(async () => {
		await trainingStep(model, optimizer, x8, labels);
	}, steps);
	// Data-parallel over worker threads, one WebAssembly instance per core (the default for full fine-tuning on WASM).
	// Forced to every core, even at batch 8 (by default a batch is split only when each thread gets 8 images).
	const threads = ParallelTrainer.threadsFor(backend.kind, os.availableParallelism());
	let parallelStep: number | undefined;
	if (threads > 1) {
		const parallel = await ParallelTrainer.start(model, threads, backend.kind);
		const pixels = (await x8.data()) as Float32Array;
		const labelData = labels;
		try {
			parallelStep = await timed(async () => {
				await parallel.step(
					optimizer,
					pixels,
					labelData,
					size,
					microBatchSize(batch, size, backend.kind),
				);
			}, steps);
		} finally {
			await parallel.close();
		}
	}
	tf.dispose([x8, x1]);
	optimizer.dispose();
	model.dispose();
	peakRss = Math.max(peakRss, process.memoryUsage.rss());
	return {
		engine: `tfjs ${tf.version_core} ${backend.kind}`,
		forwardBatch1Ms: forward1,
		forwardBatchMsPerImage: forwardBatch / batch,
		trainStepMsPerImage: trainStep / batch,
		peakRssMb: peakRss / 2 ** 20,
		parallel:
			parallelStep === undefined
				? undefined
				: { threads, trainStepMsPerImage: parallelStep / batch },
		pooled,
	};
}

/** ONNX Runtime inference on the same network, when onnxruntime-node is installed. */
async function benchOnnx(): Promise<
	{ forwardBatch1Ms: number; forwardBatchMsPerImage: number } | string
> {
	const model = ResNet18.initialize(10, 0);
	try {
		const report = await attachOnnxRuntime(model, benchMetadata());
		if (report.engine !== 'onnxruntime') return `ONNX Runtime skipped: ${report.reason}`;
		const x8 = Float32Array.from({ length: batch * size * size * 3 }, (_, i) => Math.sin(i));
		const x1 = x8.subarray(0, size * size * 3);
		const forwardBatch = await timed(
			async () => void (await predictProbabilities(model, x8, size)),
			steps * 2,
		);
		const forward1 = await timed(
			async () => void (await predictProbabilities(model, x1, size)),
			steps * 4,
		);
		return { forwardBatch1Ms: forward1, forwardBatchMsPerImage: forwardBatch / batch };
	} finally {
		await detachOnnxRuntime(model);
		model.dispose();
	}
}

function benchMetadata(): ModelMetadata {
	return {
		format: MODEL_FORMAT,
		architecture: 'resnet18',
		classes: Array.from({ length: 10 }, (_, i) => `c${i}`),
		inputSize: size,
		resizeSize: size,
		normalization: IMAGENET_NORMALIZATION,
		packageVersion: 'bench',
		createdAt: 'now',
	};
}

/** Full fine-tuning through `train()` in a process of its own, for its peak RSS (bench/train-rss.ts). */
function benchTrainingRun(threads: number, offThread = false): TrainingRun | string {
	try {
		const out = execFileSync(
			process.execPath,
			[path.join(__dirname, 'train-rss.js'), String(threads), ...(offThread ? ['off-thread'] : [])],
			{ encoding: 'utf8', env: { ...process.env, RESNET18_ONNXRUNTIME: 'off' } },
		);
		return JSON.parse(out.trim().split('\n').pop()!) as TrainingRun;
	} catch (error) {
		return `training run on ${threads} thread(s) failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
	}
}

/** PyTorch's figures, the best of two runs (before and after ours): the reference is never handicapped by noise. */
function bestOf(a: EngineFigures | string, b: EngineFigures | string): EngineFigures | string {
	if (typeof a === 'string') return b;
	if (typeof b === 'string') return a;
	return {
		engine: a.engine,
		forwardBatch1Ms: Math.min(a.forwardBatch1Ms, b.forwardBatch1Ms),
		forwardBatchMsPerImage: Math.min(a.forwardBatchMsPerImage, b.forwardBatchMsPerImage),
		trainStepMsPerImage: Math.min(a.trainStepMsPerImage, b.trainStepMsPerImage),
		peakRssMb: Math.min(a.peakRssMb, b.peakRssMb),
	};
}

function benchTorch(): EngineFigures | string {
	if (!fs.existsSync(TORCH_PYTHON)) return 'PyTorch reference skipped: /usr/bin/python3 not found';
	try {
		execFileSync(TORCH_PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
	} catch {
		return 'PyTorch reference skipped: Debian python3-torch/python3-torchvision not installed (apt-get install python3-torchvision)';
	}
	const out = execFileSync(
		TORCH_PYTHON,
		[
			path.join(__dirname, '../../bench/torch_reference.py'),
			String(size),
			String(batch),
			String(steps),
		],
		{ encoding: 'utf8' },
	);
	return JSON.parse(out.trim().split('\n').pop()!) as EngineFigures;
}

function row(label: string, ours: number, reference: number | undefined, unit: string): string {
	const ratio = reference ? `${(ours / reference).toFixed(2)}×` : '—';
	return `| ${label} | ${ours.toFixed(1)} ${unit} | ${reference ? `${reference.toFixed(1)} ${unit}` : '—'} | ${ratio} |`;
}

async function main(): Promise<void> {
	const loadBefore = os.loadavg();
	const torchFirst = benchTorch();
	const ours = await benchOurs();
	clearInterval(sampler);
	const onnxFigures = await benchOnnx();
	const torch = bestOf(torchFirst, benchTorch());
	const runs = [benchTrainingRun(1), benchTrainingRun(2), benchTrainingRun(1, true)];
	const reference = typeof torch === 'string' ? undefined : torch;
	const lines = [
		`ResNet-18, ${size}×${size}, batch ${batch}, ${steps} timed repetitions after a warm-up; ${os.cpus().length} CPU cores (${os.cpus()[0]?.model ?? 'unknown'}); PyTorch: best of two runs`,
		`machine load (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}, after: ${os
			.loadavg()
			.map((l) => l.toFixed(2))
			.join(' / ')}`,
		'',
		`| measure | ${ours.engine} | ${reference?.engine ?? 'PyTorch'} | ratio |`,
		'|---|---|---|---|',
		row('forward, batch 1 (ms/image)', ours.forwardBatch1Ms, reference?.forwardBatch1Ms, 'ms'),
		row(
			`forward, batch ${batch} (ms/image)`,
			ours.forwardBatchMsPerImage,
			reference?.forwardBatchMsPerImage,
			'ms',
		),
		...(ours.pooled
			? [
					row(
						`forward, batch ${batch}, ${ours.pooled.threads} threads: Classify Image's path (ms/image)`,
						ours.pooled.forwardBatchMsPerImage,
						reference?.forwardBatchMsPerImage,
						'ms',
					),
				]
			: []),
		row(
			`training step, batch ${batch} (ms/image)`,
			ours.trainStepMsPerImage,
			reference?.trainStepMsPerImage,
			'ms',
		),
		...(ours.parallel
			? [
					row(
						`training step, batch ${batch}, ${ours.parallel.threads} threads (ms/image)`,
						ours.parallel.trainStepMsPerImage,
						reference?.trainStepMsPerImage,
						'ms',
					),
				]
			: []),
		row('peak RSS (all of the above)', ours.peakRssMb, reference?.peakRssMb, 'MB'),
		...runs.map((run) =>
			typeof run === 'string'
				? `| ${run} | | | |`
				: row(
						`full fine-tuning through train(), batch ${batch}, ${run.threads} thread${run.threads === 1 ? '' : 's'}${run.microBatch && run.microBatch < batch ? `, micro-batch ${run.microBatch}` : ''}${run.offThread ? ' on a thread of its own (the Train node)' : ''}: peak RSS of its process`,
						run.peakRssMb,
						reference?.peakRssMb,
						'MB',
					),
		),
	];
	if (typeof onnxFigures === 'string') lines.push('', onnxFigures);
	else {
		lines.push(
			row(
				'forward, batch 1, ONNX Runtime (ms/image)',
				onnxFigures.forwardBatch1Ms,
				reference?.forwardBatch1Ms,
				'ms',
			),
			row(
				`forward, batch ${batch}, ONNX Runtime (ms/image)`,
				onnxFigures.forwardBatchMsPerImage,
				reference?.forwardBatchMsPerImage,
				'ms',
			),
		);
	}
	if (typeof torch === 'string') lines.push('', torch);
	// The data path must keep the fastest trainer fed: decoding at ≥ 3× its rate leaves headroom for slow disks.
	const data = await benchDataPath(size, batch);
	const fastestTrainRate =
		1000 / Math.min(ours.trainStepMsPerImage, reference?.trainStepMsPerImage ?? Infinity);
	lines.push(
		'',
		`data path (decode + augment, 640×480 JPEG → ${size}×${size}, sharp on ${os.availableParallelism()} threads), vs the fastest training step above (${fastestTrainRate.toFixed(1)} images/s):`,
		'',
		'| augmentation | images/s | × training rate |',
		'|---|---|---|',
		...Object.entries(data).map(
			([preset, rate]) =>
				`| ${preset} | ${rate.toFixed(0)} | ${(rate / fastestTrainRate).toFixed(1)}× |`,
		),
	);
	process.stdout.write(`${lines.join('\n')}\n`);
}

void main().catch((error: unknown) => {
	process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
	process.exitCode = 1;
});
