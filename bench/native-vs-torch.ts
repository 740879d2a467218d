/**
 * ResNet-18 on tfjs-node (`cpu-native`) against PyTorch 2.x (channels_last, eager, 2 threads), in one run:
 * `node dist/bench/native-vs-torch.js [SIZE BATCH STEPS]` (defaults 224 8 5). Eval forward and Adam training step
 * in ms/image, and their ratios. PyTorch runs bench/torch_channels_last.py under $TORCH_PYTHON
 * (default /work/torch-venv/bin/python) first, so the two do not share the cores. Prints one JSON line.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../lib/compute/tf';
import { useBackend } from '../lib/compute/backend';
import { ResNet18 } from '../lib/model/resnet18';
import { trainingStep } from '../lib/train/step';

interface TorchTimes {
	readonly engine: string;
	readonly forwardMsPerImage: number;
	readonly trainStepMsPerImage: number;
}

async function timed(fn: () => Promise<void>, repeats: number): Promise<number> {
	await fn(); // warm-up: filter packing, first-call kernels
	const start = performance.now();
	for (let i = 0; i < repeats; i++) await fn();
	return (performance.now() - start) / repeats;
}

async function main(size: number, batch: number, steps: number): Promise<void> {
	const script = path.join(__dirname, '../../bench/torch_channels_last.py');
	const python = process.env.TORCH_PYTHON ?? '/work/torch-venv/bin/python';
	const torch = JSON.parse(
		execFileSync(python, [script, String(size), String(batch), String(steps)], {
			encoding: 'utf8',
		}),
	) as TorchTimes;

	const backend = await useBackend('cpu-native');
	const model = ResNet18.initialize(10, 1);
	const images = tf.randomNormal([batch, size, size, 3]) as tf.Tensor4D;
	const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
	const optimizer = tf.train.adam(5e-5);
	const forward =
		(await timed(async () => {
			const logits = model.forward(images);
			await logits.data();
			logits.dispose();
		}, steps)) / batch;
	const before = tf.memory().numTensors;
	const step =
		(await timed(async () => {
			await trainingStep(model, optimizer, images, labels);
		}, steps)) / batch;
	const leaked = tf.memory().numTensors - before;
	console.log(
		JSON.stringify({
			size,
			batch,
			steps,
			load: os.loadavg().map((l) => Number(l.toFixed(2))),
			torch,
			tfjs: { backend: backend.summary, forwardMsPerImage: forward, trainStepMsPerImage: step },
			ratio: {
				forward: Number((forward / torch.forwardMsPerImage).toFixed(3)),
				trainStep: Number((step / torch.trainStepMsPerImage).toFixed(3)),
			},
			// Adam's moment variables are made on the first step, the warm-up: nothing should grow after.
			tensorsAddedByTimedSteps: leaked,
		}),
	);
	images.dispose();
	model.dispose();
}

const [size, batch, steps] = process.argv.slice(2, 5).map(Number);
void main(size || 224, batch || 8, steps || 5).catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
