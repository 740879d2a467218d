/**
 * ONNX Runtime inference on the same network, in a process of its own: `node dist/bench/engines/onnx.js` prints a
 * JSON array with one row (or exits non-zero with the reason it could not run).
 */
import { ResNet18 } from '../../lib/model/resnet18';
import { attachOnnxRuntime, detachOnnxRuntime } from '../../lib/infer/onnx-runtime';
import { predictProbabilities } from '../../lib/infer/predict';
import { useBackend } from '../../lib/compute/backend';
import { benchMetadata } from './metadata';
import { benchShape, timed, type EngineFigures } from './figures';

const { size, batch, steps } = benchShape();

async function main(): Promise<EngineFigures[]> {
	// The weights live in a tfjs model before they are exported: WASM, as Classify Image has them without native.
	await useBackend('wasm');
	const model = ResNet18.initialize(10, 0);
	try {
		const report = await attachOnnxRuntime(model, benchMetadata(size));
		if (report.engine !== 'onnxruntime') throw new Error(report.reason);
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
		return [
			{
				engine: 'ONNX Runtime (inference only)',
				forwardBatch1Ms: forward1,
				forwardBatchMsPerImage: forwardBatch / batch,
			},
		];
	} finally {
		await detachOnnxRuntime(model);
		model.dispose();
	}
}

void main().then(
	(rows) => process.stdout.write(`${JSON.stringify(rows)}\n`),
	(error: unknown) => {
		process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
		process.exitCode = 1;
	},
);
