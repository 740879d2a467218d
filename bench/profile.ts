/**
 * `npm run bench:profile`: where a full training step's time goes on the backend in use — TensorFlow.js kernels
 * summed by name over one ResNet-18 step at 224×224, batch 8 (BENCH_SIZE, BENCH_BATCH).
 */
import { useBackend } from '../lib/compute/backend';
import * as tf from '../lib/compute/tf';
import { ResNet18 } from '../lib/model/resnet18';
import { createAdam } from '../lib/train/optimizers';
import { trainingStep } from '../lib/train/step';

async function main(): Promise<void> {
	const size = Number(process.env.BENCH_SIZE ?? 224);
	const batch = Number(process.env.BENCH_BATCH ?? 8);
	const backend = await useBackend('auto');
	const model = ResNet18.initialize(10, 0);
	const x = tf.randomNormal([batch, size, size, 3]) as tf.Tensor4D;
	const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
	const optimizer = createAdam(5e-5);
	await trainingStep(model, optimizer, x, labels); // warm-up
	const started = performance.now();
	const info = await tf.profile(async () => {
		await trainingStep(model, optimizer, x, labels);
	});
	const wall = performance.now() - started;
	const byKernel = new Map<string, { ms: number; calls: number }>();
	for (const k of info.kernels) {
		const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
		entry.ms += Number(k.kernelTimeMs) || 0;
		entry.calls++;
		byKernel.set(k.name, entry);
	}
	const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
	console.log(
		`one training step, ResNet-18 ${size}×${size} batch ${batch}, ${backend.kind}: ${wall.toFixed(0)} ms wall, ${total.toFixed(0)} ms in kernels`,
	);
	console.log('| kernel | calls | ms | share |');
	console.log('|---|---|---|---|');
	for (const [name, e] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) {
		console.log(
			`| ${name} | ${e.calls} | ${e.ms.toFixed(0)} | ${((100 * e.ms) / total).toFixed(1)} % |`,
		);
	}
	x.dispose();
	optimizer.dispose();
	model.dispose();
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
