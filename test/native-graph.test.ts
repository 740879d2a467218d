import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../lib/compute/tf';
import { onNativeBackend } from '../lib/compute/native-backend';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { detachInference, infer, inferenceEngine, prepareInference } from '../lib/infer/engine';
import { computeLocally } from '../lib/infer/local';
import {
	attachNativeGraph,
	detachNativeGraph,
	hasCurrentNativeGraph,
	runNativeGraph,
} from '../lib/infer/native-graph';
import { MODEL_FORMAT, type ModelMetadata } from '../lib/model-file/metadata';
import { ResNet18 } from '../lib/model/resnet18';
import { goldenInputNHWC, goldenStateDict } from './support/golden-weights';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';
import { CURRENT_PREPROCESSING } from '../lib/data/preprocessing';

interface GoldenCase {
	mode: 'eval' | 'train';
	inputSeed: number;
	inputShape: number[];
	logits: number[];
}
const golden = JSON.parse(
	fs.readFileSync(path.join(__dirname, '../../test/fixtures/golden/resnet18-golden.json'), 'utf8'),
) as { numClasses: number; cases: GoldenCase[] };

function metadata(size: number, classes: number): ModelMetadata {
	return {
		format: MODEL_FORMAT,
		architecture: 'resnet18',
		classes: Array.from({ length: classes }, (_, i) => `c${i}`),
		inputSize: size,
		resizeSize: size,
		preprocessing: CURRENT_PREPROCESSING,
		normalization: IMAGENET_NORMALIZATION,
		packageVersion: 'test',
		createdAt: 'now',
	};
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
	assert.equal(a.length, b.length, 'same length');
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
}

function pixels(n: number, size: number, seed: number): Float32Array {
	return Float32Array.from(
		{ length: n * size * size * 3 },
		(_, i) => 2 * Math.sin(i * 0.37 + seed),
	);
}

/** tfjs-node's count of loaded SavedModel sessions (the C++ side of what detach must release). */
function savedModelSessions(): number {
	// Loaded only where the spec runs on the native backend; the package is an optional install.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const node = require('@tensorflow/tfjs-node') as { node: { getNumOfSavedModels(): number } };
	return node.node.getNumOfSavedModels();
}

/** Runs `body` with os.tmpdir() answering `dir` (Node reads TMPDIR on each call). */
async function withTmpdir<T>(dir: string, body: () => Promise<T>): Promise<T> {
	const before = process.env.TMPDIR;
	process.env.TMPDIR = dir;
	try {
		return await body();
	} finally {
		if (before === undefined) delete process.env.TMPDIR;
		else process.env.TMPDIR = before;
	}
}

const native = process.env.RESNET18_TEST_BACKEND === 'cpu-native';
const onNative = native ? it : it.skip;

describe('the eval forward as one TensorFlow graph (native backend; RESNET18_TEST_BACKEND=cpu-native)', () => {
	// Golden weights: batch norm with non-trivial statistics, so every folded bias is non-zero (TensorFlow's constant
	// folding drops an all-zero BiasAdd, which an untrained network's would be).
	let network: ResNet18;
	beforeAll(async () => {
		await testBackend();
		network = ResNet18.fromStateDict(goldenStateDict(golden.numClasses));
	});
	afterAll(() => network?.dispose());

	for (const size of [224, 64]) {
		onNative(
			`at ${size}×${size}: probabilities, features and layer3 equal the eager forward's (batch 1 and 3)`,
			async () => {
				assert.ok(onNativeBackend(), 'runs on the native backend');
				await attachNativeGraph(network, metadata(size, golden.numClasses));
				try {
					for (const n of [1, 3]) {
						const images = pixels(n, size, n);
						for (const output of ['probabilities', 'features', 'layer3'] as const) {
							const graph = await runNativeGraph(network, images, size, output);
							assert.ok(graph, `${output}: the graph runs`);
							const eager = await computeLocally(network, images, size, output);
							// Features and layer3 reach ~200 with these weights: 1e-4 of the largest value is float32's rounding.
							const scale = eager.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
							const diff = maxAbsDifference(graph, eager);
							assert.ok(
								diff <= 1e-4 * scale,
								`${output}, batch ${n}: max |graph − eager| = ${diff} (largest value ${scale})`,
							);
						}
					}
					assert.equal(
						await runNativeGraph(network, pixels(1, 32, 0), 32, 'probabilities'),
						undefined,
						'another input size is not this graph’s: the caller computes eagerly',
					);
				} finally {
					detachNativeGraph(network);
				}
			},
		);
	}

	onNative(
		'writes torch’s padding three ways (EXPLICIT, Pad op, SAME at stride 1) with the same result',
		async () => {
			const images = pixels(2, 64, 5);
			const eager = await computeLocally(network, images, 64, 'features');
			const scale = eager.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
			for (const convPadding of ['explicit', 'pad', 'same'] as const) {
				await attachNativeGraph(network, metadata(64, golden.numClasses), { convPadding });
				try {
					const graph = await runNativeGraph(network, images, 64, 'features');
					const diff = maxAbsDifference(graph!, eager);
					assert.ok(diff <= 1e-4 * scale, `${convPadding}: max |graph − eager| = ${diff}`);
				} finally {
					detachNativeGraph(network);
				}
			}
		},
	);

	onNative("gives torchvision's eval logits (golden fixture) to ≤ 1e-4", async () => {
		for (const testCase of golden.cases.filter(
			(c) => c.mode === 'eval' && c.inputShape[2] === c.inputShape[3],
		)) {
			const input = goldenInputNHWC(testCase.inputShape, testCase.inputSeed);
			const size = input.shape[1];
			await attachNativeGraph(network, metadata(size, golden.numClasses));
			try {
				const logits = await runNativeGraph(network, input.data, size, 'logits');
				const diff = maxAbsDifference(logits!, testCase.logits);
				assert.ok(diff <= 1e-4, `${testCase.inputShape.join('×')}: max |graph − torch| = ${diff}`);
			} finally {
				detachNativeGraph(network);
			}
		}
	});

	onNative(
		'leaks no tensors over 20 predictions, leaves no temporary file, and detach closes the session',
		async () => {
			const tmp = tempDir('resnet18-graph-spec-');
			const sessions = savedModelSessions();
			await withTmpdir(tmp, () => attachNativeGraph(network, metadata(64, golden.numClasses)));
			assert.deepEqual(fs.readdirSync(tmp), [], 'the SavedModel folder is removed once loaded');
			assert.equal(savedModelSessions(), sessions + 1, 'one session for all outputs');
			const images = pixels(2, 64, 7);
			await runNativeGraph(network, images, 64, 'probabilities');
			const tensors = tf.memory().numTensors;
			for (let i = 0; i < 20; i++) {
				const output = i % 2 === 0 ? 'probabilities' : 'features';
				assert.ok(await runNativeGraph(network, images, 64, output));
			}
			assert.equal(tf.memory().numTensors, tensors, 'tensor count stable');
			detachNativeGraph(network);
			assert.equal(savedModelSessions(), sessions, 'detach deletes the session');
			assert.equal(await runNativeGraph(network, images, 64, 'probabilities'), undefined);
		},
	);

	onNative(
		'is the engine prepareInference picks on native without ONNX Runtime, and never runs stale weights',
		async () => {
			const own = ResNet18.fromStateDict(goldenStateDict(golden.numClasses));
			try {
				const meta = metadata(64, golden.numClasses);
				const sessions = savedModelSessions();
				// Two items preparing one cached model at once: one session, not one leaked.
				const [report] = await Promise.all([
					prepareInference(own, meta, { images: 4, onnxRuntime: false }),
					prepareInference(own, meta, { images: 4, onnxRuntime: false }),
				]);
				assert.equal(report.engine, 'tensorflow-graph', JSON.stringify(report));
				assert.equal(savedModelSessions(), sessions + 1, 'one session');
				assert.equal(inferenceEngine(own), 'tensorflow-graph');
				const images = pixels(2, 64, 3);
				const first = await infer(own, images, 64, 'probabilities');
				assert.ok(
					maxAbsDifference(first, await computeLocally(own, images, 64, 'probabilities')) <= 1e-4,
				);

				// Training continues: the classifier's bias changes (a new data id, as every optimiser step gives).
				const state = own.toStateDict();
				const bias = state.get('fc.bias')!.data as Float32Array;
				state.set('fc.bias', {
					dtype: 'float32',
					shape: [bias.length],
					data: bias.map((v, i) => v + i),
				});
				own.restoreStateDict(state);
				assert.equal(hasCurrentNativeGraph(own), false, 'the graph is stale');
				assert.equal(inferenceEngine(own), 'tfjs');
				const after = await infer(own, images, 64, 'probabilities');
				assert.ok(maxAbsDifference(after, first) > 1e-3, 'the new weights answer');
				assert.ok(
					maxAbsDifference(after, await computeLocally(own, images, 64, 'probabilities')) <= 1e-6,
				);

				const again = await prepareInference(own, meta, { images: 4, onnxRuntime: false });
				assert.equal(
					again.engine,
					'tensorflow-graph',
					'prepareInference attaches the current weights',
				);
				const fromGraph = await runNativeGraph(own, images, 64, 'probabilities');
				assert.ok(maxAbsDifference(fromGraph!, after) <= 1e-4);
			} finally {
				await detachInference(own);
				own.dispose();
			}
		},
	);

	onNative(
		'falls back to the eager forward, with the reason, when the graph cannot be built',
		async () => {
			const own = ResNet18.fromStateDict(goldenStateDict(golden.numClasses));
			try {
				const report = await withTmpdir(path.join(tempDir(), 'missing', 'folder'), () =>
					prepareInference(own, metadata(64, golden.numClasses), { onnxRuntime: false }),
				);
				assert.equal(report.engine, 'tfjs');
				assert.match(report.reason ?? '', /TensorFlow graph could not be loaded \(.*ENOENT/);
				const images = pixels(1, 64, 1);
				assert.deepEqual(
					await infer(own, images, 64, 'features'),
					await computeLocally(own, images, 64, 'features'),
				);
			} finally {
				await detachInference(own);
				own.dispose();
			}
		},
	);
});
