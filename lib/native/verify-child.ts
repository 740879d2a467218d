/**
 * Run in a child process by `native install`: start the native backend through our library and compare a convolution
 * and its gradients against WebAssembly. Prints one JSON line. A child, so that a native library that crashes or a
 * backend registered on the wrong tfjs-core copy cannot take the installer down, and the fresh build is what loads.
 */
import * as fs from 'node:fs';
import { useBackend, type BackendKind } from '../compute/backend';
import * as tf from '../compute/tf';
import { conv2d } from '../model/conv';

function seeded(n: number, seed: number): Float32Array {
	const out = new Float32Array(n);
	let s = seed;
	for (let i = 0; i < n; i++) {
		s = (s * 1664525 + 1013904223) >>> 0;
		out[i] = s / 2 ** 32 - 0.5;
	}
	return out;
}

function convAndGrads(): Float32Array[] {
	return tf.tidy(() => {
		const x = tf.tensor4d(seeded(2 * 9 * 9 * 3, 1), [2, 9, 9, 3]);
		const w = tf.tensor4d(seeded(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
		const r = tf.tensor4d(seeded(2 * 5 * 5 * 4, 3), [2, 5, 5, 4]);
		// Our convolution (torch's symmetric pad 1 at stride 2): on native it is TF's Conv2D and both backprop ops
		// by name with explicit pads, on WebAssembly the composed gradients; the two must agree.
		const f = (a: tf.Tensor, b: tf.Tensor) =>
			tf.sum(tf.mul(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 1), r));
		const y = conv2d(x, w, 2, 1);
		const [dx, dw] = tf.grads(f)([x, w]);
		return [y, dx, dw].map((t) => t.dataSync() as Float32Array);
	});
}

async function main(): Promise<void> {
	const kind = (process.argv[2] ?? 'cpu-native') as BackendKind;
	const started = Date.now();
	await useBackend('wasm');
	const reference = convAndGrads();
	let note = '';
	if (kind === 'gpu' && !fs.existsSync('/dev/nvidia0')) {
		// No CUDA device: the GPU build's binding is loaded and run on its CPU kernels (plumbing check only).
		process.env.CUDA_VISIBLE_DEVICES ??= '-1';
		// A path resolved at run time: only require() can load it.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		require(require.resolve('@tensorflow/tfjs-node-gpu', { paths: [__dirname] }));
		if (!(await tf.setBackend('tensorflow')))
			throw new Error('tfjs-node-gpu loaded but its backend did not start');
		note = 'no CUDA device: GPU build run on CPU';
	} else {
		await useBackend(kind);
	}
	const native = convAndGrads();
	let maxDelta = 0;
	native.forEach((a, k) =>
		a.forEach((v, i) => (maxDelta = Math.max(maxDelta, Math.abs(v - reference[k][i])))),
	);
	const versions = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding
		?.TF_Version;
	process.stdout.write(
		`${JSON.stringify({ backend: tf.getBackend(), kind, tfVersion: versions, maxDelta, ms: Date.now() - started, note })}\n`,
	);
}

process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
main().catch((error: unknown) => {
	process.stdout.write(
		`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`,
	);
	process.exitCode = 1;
});
