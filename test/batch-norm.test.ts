import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as tf from '../lib/compute/tf';
import { BN_EPS } from '../lib/model/architecture';
import {
	compositeBatchNormTrain,
	nativeBatchNormTrain,
	type BatchStatistics,
	type TrainNormOptions,
} from '../lib/model/batch-norm';
import { onNativeBackend } from '../lib/compute/native-backend';
import { testBackend } from './support/backend';
import { random, relativeError } from './support/conv-cases';

type TrainNorm = typeof compositeBatchNormTrain;

interface Outcome {
	y: Float32Array;
	mean: Float32Array;
	/** Biased (what normalisation divides by), whatever kind the implementation returns. */
	variance: Float32Array;
	dx: Float32Array;
	dGamma: Float32Array;
	dBeta: Float32Array;
	dResidual?: Float32Array;
}

const SHAPE: [number, number, number, number] = [4, 6, 5, 8];
const M = SHAPE[0] * SHAPE[1] * SHAPE[2];

function biased(stats: BatchStatistics): tf.Tensor1D {
	return stats.varianceKind === 'biased'
		? stats.variance
		: tf.mul(stats.variance, (stats.count - 1) / stats.count);
}

/** y, the batch statistics, and the gradients of Σ y·r with respect to x, γ, β [and the residual]. */
function run(norm: TrainNorm | 'autodiff', options: { residual: boolean; relu: boolean }): Outcome {
	// The batch statistics outlive tidy by contract (the running-average update reads them): the caller disposes them.
	const kept: tf.Tensor[] = [];
	const outcome = tf.tidy(() => {
		const x = tf.tensor4d(random(SHAPE, 1), SHAPE);
		const gamma = tf.add(tf.tensor1d(random([SHAPE[3]], 2)), 1) as tf.Tensor1D;
		const beta = tf.tensor1d(random([SHAPE[3]], 3));
		const residual = tf.tensor4d(random(SHAPE, 4), SHAPE);
		const r = tf.tensor4d(random(SHAPE, 5), SHAPE);
		let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
		const forward = (...t: tf.Tensor[]): tf.Tensor4D => {
			const [xi, g, b, res] = t as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor4D?];
			if (norm === 'autodiff') {
				// The formula as torch writes it, differentiated op by op by tfjs: the reference.
				const moments = tf.moments(xi, [0, 1, 2]);
				stats = { mean: moments.mean as tf.Tensor1D, variance: moments.variance as tf.Tensor1D };
				let y = tf.add(
					tf.mul(tf.div(tf.sub(xi, moments.mean), tf.sqrt(tf.add(moments.variance, BN_EPS))), g),
					b,
				);
				if (res) y = tf.add(y, res);
				return (options.relu ? tf.relu(y) : y) as tf.Tensor4D;
			}
			const opts: TrainNormOptions = { relu: options.relu, residual: res };
			const out = norm(xi, { gamma: g, beta: b }, opts);
			kept.push(out.stats.mean, out.stats.variance);
			stats = { mean: out.stats.mean, variance: biased(out.stats) };
			return out.y;
		};
		const inputs = options.residual ? [x, gamma, beta, residual] : [x, gamma, beta];
		const f = (...t: tf.Tensor[]) => tf.sum(tf.mul(forward(...t), r));
		const grads = tf.grads(f)(inputs);
		const y = forward(...inputs);
		const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
		return {
			y: read(y),
			mean: read(stats!.mean),
			variance: read(stats!.variance),
			dx: read(grads[0]),
			dGamma: read(grads[1]),
			dBeta: read(grads[2]),
			dResidual: grads[3] ? read(grads[3]) : undefined,
		};
	});
	tf.dispose(kept);
	return outcome;
}

const VARIANTS = [
	{ residual: false, relu: false, name: 'plain' },
	{ residual: false, relu: true, name: 'with ReLU' },
	{ residual: true, relu: true, name: 'with a residual and ReLU (a block’s end)' },
	{ residual: true, relu: false, name: 'with a residual, no ReLU' },
];

function assertAgrees(got: Outcome, want: Outcome, tolerance: number): void {
	for (const key of ['y', 'mean', 'variance', 'dx', 'dGamma', 'dBeta', 'dResidual'] as const) {
		const a = got[key];
		const b = want[key];
		assert.equal(a === undefined, b === undefined, key);
		if (a && b) {
			const error = relativeError(a, b);
			assert.ok(error < tolerance, `${key}: relative error ${error.toExponential(2)}`);
		}
	}
}

describe('training-mode batch norm [+ residual] [+ ReLU], forward and backward, against autodiff of the formula', () => {
	beforeAll(testBackend);

	for (const v of VARIANTS) {
		it(`our composite (WASM/JS, written-out gradient), ${v.name}`, () => {
			const before = tf.memory().numTensors;
			assertAgrees(run(compositeBatchNormTrain, v), run('autodiff', v), 1e-4);
			assert.equal(tf.memory().numTensors, before, 'no tensor outlives the step');
		});
	}

	// TensorFlow's FusedBatchNormV3 / FusedBatchNormGradV3 / ReluGrad, called by name: only where they exist.
	const native = process.env.RESNET18_TEST_BACKEND === 'cpu-native';
	for (const v of VARIANTS) {
		(native ? it : it.skip)(
			`TensorFlow's fused kernels (native backend; RESNET18_TEST_BACKEND=cpu-native), ${v.name}`,
			() => {
				assert.ok(onNativeBackend(), 'runs on the native backend');
				run(nativeBatchNormTrain, v); // first call: TF's kernel caches are made here, not leaks
				const before = tf.memory().numTensors;
				const fused = run(nativeBatchNormTrain, v);
				assert.equal(tf.memory().numTensors, before, 'no tensor outlives the step');
				assertAgrees(fused, run('autodiff', v), 1e-4);
				// TF returns the unbiased batch variance: the running update must use it as torch does.
				const stats = tf.tidy(() => {
					const x = tf.tensor4d(random(SHAPE, 1), SHAPE);
					const out = nativeBatchNormTrain(
						x,
						{ gamma: tf.ones([SHAPE[3]]), beta: tf.zeros([SHAPE[3]]) },
						{ relu: false },
					);
					return { kind: out.stats.varianceKind, count: out.stats.count };
				});
				assert.deepEqual(stats, { kind: 'unbiased', count: M });
			},
		);
	}
});
