import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../lib/compute/tf';
import { useBackend, type BackendKind } from '../lib/compute/backend';
import { parameterCount, resnet18TensorSpecs } from '../lib/model/architecture';
import { tfjsToTorch } from '../lib/model/layout';
import { ResNet18 } from '../lib/model/resnet18';
import { readSafetensors, writeSafetensors } from '../lib/weights/safetensors';
import { goldenInputNHWC, goldenStateDict } from './support/golden-weights';
import { testBackend } from './support/backend';

interface GoldenCase {
	mode: 'eval' | 'train';
	inputSeed: number;
	inputShape: number[];
	logits: number[];
	labels?: number[];
	loss?: number;
	runningAfter?: Record<string, number[]>;
	numBatchesTrackedAfter?: Record<string, number>;
	gradients?: Record<string, { first: number[]; norm: number }>;
}
interface GoldenFixture {
	numClasses: number;
	parameterCount1000: number;
	stateDictNames: string[];
	cases: GoldenCase[];
}

const fixture = JSON.parse(
	fs.readFileSync(path.join(__dirname, '../../test/fixtures/golden/resnet18-golden.json'), 'utf8'),
) as GoldenFixture;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
	assert.equal(a.length, b.length);
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
}

/** Loads the golden weights the way users' files are loaded: serialised to safetensors and read back. */
function goldenModel(): ResNet18 {
	const bytes = writeSafetensors(goldenStateDict(fixture.numClasses));
	return ResNet18.fromStateDict(readSafetensors(bytes, 'golden.safetensors').tensors, {
		file: 'golden.safetensors',
	});
}

describe('ResNet-18 architecture, as torchvision builds it', () => {
	it('has 11,689,512 parameters at 1,000 classes', () => {
		assert.equal(parameterCount(1000), 11_689_512);
		assert.equal(parameterCount(1000), fixture.parameterCount1000);
	});

	it("names every state-dict tensor as torchvision does, in torchvision's order", () => {
		assert.deepEqual(
			resnet18TensorSpecs(fixture.numClasses).map((s) => s.name),
			fixture.stateDictNames,
		);
	});
});

describe('golden forward pass against torchvision 0.14 (PyTorch 1.13)', () => {
	for (const testCase of fixture.cases.filter((c) => c.mode === 'eval')) {
		it(`eval-mode logits match torch to ≤1e-4 for input ${testCase.inputShape.join('×')}`, async () => {
			await testBackend();
			const model = goldenModel();
			const input = goldenInputNHWC(testCase.inputShape, testCase.inputSeed);
			const logits = tf.tidy(() => model.forward(tf.tensor4d(input.data, input.shape)).dataSync());
			model.dispose();
			const diff = maxAbsDiff(logits, testCase.logits);
			assert.ok(diff <= 1e-4, `max |Δlogit| = ${diff}`);
		});
	}
});

describe('golden training-mode step against torch', () => {
	const trainCase = fixture.cases.find((c) => c.mode === 'train');
	assert.ok(trainCase);
	// A native backend asked for (RESNET18_TEST_BACKEND) takes the training step too: it pre-pads (lib/model/padding.ts).
	const asked = process.env.RESNET18_TEST_BACKEND;
	const native: BackendKind[] = asked === 'cpu-native' || asked === 'gpu' ? [asked] : [];
	const backends: BackendKind[] = ['wasm', 'js', ...native];
	for (const backend of backends) {
		it(`on ${backend}: batch-statistics logits, cross-entropy gradients and running statistics match torch`, async () => {
			await useBackend(backend);
			try {
				const model = goldenModel();
				const input = goldenInputNHWC(trainCase.inputShape, trainCase.inputSeed);
				const x = tf.tensor4d(input.data, input.shape);
				const labels = tf.oneHot(tf.tensor1d(trainCase.labels!, 'int32'), fixture.numClasses);
				let logits: Float32Array | undefined;
				const { value, grads } = tf.variableGrads(() => {
					const out = model.forward(x, { training: true });
					logits = out.dataSync() as Float32Array;
					return tf.losses.softmaxCrossEntropy(labels, out) as tf.Scalar;
				}, model.trainableVariables());
				assert.ok(maxAbsDiff(logits!, trainCase.logits) <= 1e-4, 'train-mode logits');
				assert.ok(Math.abs(value.dataSync()[0] - trainCase.loss!) <= 1e-5, 'loss');

				const state = model.toStateDict();
				for (const [name, expected] of Object.entries(trainCase.runningAfter!)) {
					const actual = state.get(name)!.data as Float32Array;
					assert.ok(
						maxAbsDiff(actual.subarray(0, expected.length), expected) <= 1e-4,
						`running statistic ${name}`,
					);
				}
				for (const [name, count] of Object.entries(trainCase.numBatchesTrackedAfter!)) {
					assert.equal(state.get(name)!.data[0], BigInt(count), name);
				}

				const specs = new Map(model.specs.map((s) => [s.name, s]));
				const byName = new Map(
					Object.entries(grads).map(([varName, g]) => [varName.split('#')[0], g]),
				);
				for (const [name, expected] of Object.entries(trainCase.gradients!)) {
					const grad = byName.get(name);
					assert.ok(grad, `gradient of ${name}`);
					// Compare in torch's layout: the same transpose the weights take.
					const torchLayout = tfjsToTorch(specs.get(name)!, grad);
					const norm = Math.hypot(...torchLayout);
					assert.ok(
						Math.abs(norm - expected.norm) <= 1e-3 * expected.norm + 1e-6,
						`‖∇${name}‖ ${norm} vs ${expected.norm}`,
					);
					// Element-wise, relative to the gradient's RMS: float32 sums over a whole backward pass differ in order.
					const rms = expected.norm / Math.sqrt(torchLayout.length);
					const diff = maxAbsDiff(torchLayout.subarray(0, expected.first.length), expected.first);
					assert.ok(diff <= 1e-2 * rms, `∇${name} values differ by ${diff} (RMS ${rms})`);
				}
				tf.dispose([x, labels, value, ...Object.values(grads)]);
				model.dispose();
			} finally {
				await testBackend();
			}
		});
	}
});
