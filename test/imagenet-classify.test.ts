import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import * as tf from '../lib/compute/tf';
import { WeightsError } from '../lib/errors';
import { classify, decodeForModel, predictDecoded } from '../lib/infer/classify';
import {
	imagenetClassifier,
	imagenetClassifierFromWeights,
	loadImagenetClassifier,
} from '../lib/infer/imagenet';
import type { TrainedModel } from '../lib/model-file/model-file';
import { ResNet18 } from '../lib/model/resnet18';
import type { StateDict } from '../lib/weights/host-tensor';
import { IMAGENET_CLASSES } from '../lib/weights/imagenet-classes';
import { PRETRAINED_SOURCES } from '../lib/weights/pretrained-sources';
import { writeSafetensors } from '../lib/weights/safetensors';
import { ClassifyImage } from '../nodes/ClassifyImage/ClassifyImage.node';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';

// No network and no real ImageNet weights here: a seeded ResNet-18 at 1,000 classes, saved in torchvision's layout,
// stands in for them, served from 127.0.0.1 as a mirror would serve the published file.
const fixtures = path.join(__dirname, '../../test/fixtures');
const IMAGES = [
	path.join(fixtures, 'odd-images/progressive.jpg'),
	path.join(fixtures, 'odd-images/photo.webp'),
	path.join(fixtures, 'fashion-mnist-300/val/bag/00018.png'),
];
const TIMM_FILE = PRETRAINED_SOURCES['imagenet-timm'].file;
const CLI = path.join(__dirname, '../lib/cli/main.js');

function startServer(files: Map<string, Buffer>) {
	const log: { path: string; auth?: string }[] = [];
	const server = http.createServer((req, res) => {
		log.push({ path: req.url!, auth: req.headers.authorization });
		const body = files.get(req.url!);
		if (!body) res.writeHead(404).end('not found');
		else res.writeHead(200, { 'Content-Length': body.length }).end(body);
	});
	return {
		log,
		listen: () =>
			new Promise<string>((resolve) =>
				server.listen(0, '127.0.0.1', () =>
					resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
				),
			),
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

/** Softmax of a plain forward pass of `network`, the reference the classifier must reproduce. */
async function directProbabilities(
	network: ResNet18,
	pixels: readonly Float32Array[],
): Promise<Float32Array> {
	const probabilities = tf.tidy(() => {
		const batch = tf.tensor4d(Float32Array.from(pixels.flatMap((p) => [...p])), [
			pixels.length,
			224,
			224,
			3,
		]);
		return tf.softmax(network.forward(batch));
	});
	try {
		return (await probabilities.data()) as Float32Array;
	} finally {
		probabilities.dispose();
	}
}

function argmax(values: Float32Array, row: number, k: number): number {
	let best = 0;
	for (let c = 1; c < k; c++) if (values[row * k + c] > values[row * k + best]) best = c;
	return best;
}

describe('classify with ImageNet labels (no training)', () => {
	let state: StateDict;
	let weights: Buffer;
	let sha256: string;
	let server: ReturnType<typeof startServer>;
	let base: string;
	const cacheFolder = tempDir();
	let model: TrainedModel;

	beforeAll(async () => {
		await testBackend();
		const seeded = ResNet18.initialize(1000, 11);
		state = seeded.toStateDict();
		seeded.dispose();
		// Batch-norm statistics that are not the identity, so the file's every tensor matters to the outputs.
		for (const [name, tensor] of state) {
			if (!(tensor.data instanceof Float32Array)) continue;
			const data = tensor.data;
			if (name.endsWith('running_mean')) data.forEach((_, i) => (data[i] = Math.sin(i) * 0.1));
			if (name.endsWith('running_var'))
				data.forEach((_, i) => (data[i] = 0.6 + 0.4 * Math.abs(Math.cos(i))));
		}
		weights = writeSafetensors(state);
		sha256 = createHash('sha256').update(weights).digest('hex');
		server = startServer(new Map([[`/mirror/${TIMM_FILE}`, weights]]));
		base = await server.listen();
	});
	afterAll(async () => {
		model?.network.dispose();
		await server.close();
	});

	it("ships the 1,000 ImageNet class names in torchvision's order", () => {
		assert.equal(IMAGENET_CLASSES.length, 1000);
		assert.equal(new Set(IMAGENET_CLASSES).size, 1000);
		assert.equal(IMAGENET_CLASSES[0], 'tench');
		assert.equal(IMAGENET_CLASSES[1], 'goldfish');
		assert.equal(IMAGENET_CLASSES[207], 'golden retriever');
		assert.equal(IMAGENET_CLASSES[281], 'tabby');
		assert.equal(IMAGENET_CLASSES[967], 'espresso');
		assert.equal(IMAGENET_CLASSES[999], 'toilet tissue');
	});

	it("downloads the weights once and keeps the file's own 1,000-class classifier", async () => {
		const built = await imagenetClassifier('imagenet-timm', {
			cacheFolder,
			baseUrl: `${base}/mirror/`,
			sha256,
		});
		model = built.model;
		assert.equal(built.downloaded, true);
		assert.equal(built.file, path.join(cacheFolder, TIMM_FILE));
		assert.deepEqual(model.metadata.classes, IMAGENET_CLASSES);
		assert.deepEqual([model.network.numClasses, model.network.classifierReplaced], [1000, false]);
		assert.deepEqual(
			[model.metadata.inputSize, model.metadata.resizeSize, model.metadata.name],
			[224, 235, 'imagenet-timm'],
		);
		const fc = model.network.toStateDict().get('fc.weight')!;
		assert.deepEqual(
			fc.data,
			state.get('fc.weight')!.data,
			"the FC layer is the file's, bit for bit",
		);
	});

	it('predicts what a direct forward of the same weights + softmax gives', async () => {
		const pixels = await Promise.all(IMAGES.map((image) => decodeForModel(model, image)));
		const predictions = await predictDecoded(model, pixels, { topK: 5 });
		const reference = ResNet18.fromStateDict(state);
		let expected: Float32Array;
		try {
			expected = await directProbabilities(reference, pixels);
		} finally {
			reference.dispose();
		}
		predictions.forEach((prediction, row) => {
			const top = argmax(expected, row, 1000);
			assert.equal(prediction.label, IMAGENET_CLASSES[top], `image ${row}: top-1`);
			assert.ok(
				Math.abs(prediction.confidence - expected[row * 1000 + top]) < 1e-5,
				`image ${row}: confidence`,
			);
			for (const { label, probability } of prediction.topK) {
				assert.ok(
					Math.abs(probability - expected[row * 1000 + IMAGENET_CLASSES.indexOf(label)]) < 1e-5,
					`image ${row}: ${label}`,
				);
			}
		});
	});

	it('builds again from the cache without contacting the server', async () => {
		const requests = server.log.length;
		const again = await imagenetClassifier('imagenet-timm', {
			cacheFolder,
			baseUrl: 'http://127.0.0.1:9',
			sha256,
		});
		try {
			assert.equal(again.downloaded, false);
			assert.equal(server.log.length, requests);
		} finally {
			again.model.network.dispose();
		}
	});

	it('labels real images with ImageNet names, top-K, "unknown" below the threshold, without leaking tensors', async () => {
		const first = await classify(model, IMAGES, { topK: 3, batchSize: 2 });
		const tensors = tf.memory().numTensors;
		for (const prediction of first) {
			assert.ok(IMAGENET_CLASSES.includes(prediction.label), prediction.label);
			assert.equal(prediction.topK.length, 3);
			assert.equal(prediction.topK[0].label, prediction.label);
		}
		for (let round = 0; round < 2; round++) {
			const again = await classify(model, IMAGES, { topK: 3, batchSize: 2 });
			assert.deepEqual(
				again.map((p) => p.label),
				first.map((p) => p.label),
			);
		}
		assert.equal(
			tf.memory().numTensors,
			tensors,
			'no tensors left behind by repeated classification',
		);
		const unsure = await classify(model, IMAGES.slice(0, 1), { threshold: 1 });
		assert.equal(unsure[0].label, 'unknown');
	});

	it("loads a torchvision .pth-named file and one without BN counters; refuses a classifier that is not ImageNet's", async () => {
		const dir = tempDir();
		const torchvisionFile = path.join(dir, PRETRAINED_SOURCES['imagenet-torchvision'].file);
		fs.writeFileSync(torchvisionFile, weights);
		const fromFile = await loadImagenetClassifier(torchvisionFile, 'imagenet-torchvision');
		assert.equal(fromFile.metadata.resizeSize, 256);
		fromFile.network.dispose();

		const withoutCounters: StateDict = new Map(
			[...state].filter(([name]) => !name.endsWith('num_batches_tracked')),
		);
		imagenetClassifierFromWeights(withoutCounters, 'imagenet-timm').network.dispose();

		const tenClasses = ResNet18.initialize(10, 3);
		const small = tenClasses.toStateDict();
		tenClasses.dispose();
		assert.throws(
			() => imagenetClassifierFromWeights(small, 'imagenet-torchvision', 'ten.safetensors'),
			(e: unknown) =>
				e instanceof WeightsError &&
				e.tensor === 'fc.weight' &&
				/ten\.safetensors: has a 10-class classifier, not ImageNet's 1000/.test(e.message),
		);
	});

	// Classify Image with ImageNet inside a real n8n (credential, mirror, one download) is in test/e2e.
	it('offers ImageNet in Classify Image, with the weights source and the optional credential', () => {
		const description = new ClassifyImage().description;
		const property = (name: string): INodeProperties => {
			const found = description.properties.find((p) => p.name === name);
			assert.ok(found, `parameter ${name}`);
			return found;
		};
		const sources = property('modelSource').options as INodePropertyOptions[];
		assert.deepEqual(
			sources.map((o) => o.value),
			['binary', 'file', 'imagenet', 'named'],
			'alphabetical, as the n8n editor lists options',
		);
		assert.equal(property('modelSource').default, 'named');
		const imagenetWeights = property('imagenetWeights');
		assert.equal(imagenetWeights.default, 'imagenet-torchvision');
		assert.deepEqual(
			(imagenetWeights.options as INodePropertyOptions[]).map((o) => o.value).sort(),
			Object.keys(PRETRAINED_SOURCES).sort(),
		);
		assert.deepEqual(imagenetWeights.displayOptions?.show, { modelSource: ['imagenet'] });
		assert.match(imagenetWeights.description ?? '', /45 MB.*once|once.*45 MB/);
		assert.match(
			sources.find((o) => o.value === 'imagenet')!.description ?? '',
			/golden retriever/,
		);
		assert.deepEqual(
			description.credentials?.map((c) => [c.name, c.displayOptions?.show]),
			[
				['resNetModelStoreApi', { modelSource: ['named'], useModelStore: [true] }],
				['resNetWeightsSourceApi', { modelSource: ['imagenet'], useWeightsSource: [true] }],
			],
		);
	});

	it('resnet18 classify --imagenet: every argument is an image, JSON with ImageNet labels', async () => {
		const cli = tempDir();
		const requests = server.log.length;
		const { stdout, stderr } = await promisify(execFile)(
			process.execPath,
			[
				CLI,
				'classify',
				'--imagenet',
				'--weights-source',
				'timm',
				'--weights-cache',
				cli,
				'--weights-base-url',
				`${base}/mirror`,
				'--top-k',
				'2',
				...IMAGES.slice(0, 2),
			],
			{
				encoding: 'utf8',
				env: { ...process.env, RESNET18_TEST_BACKEND: undefined, RESNET18_WEIGHTS_TOKEN: 'hf_cli' },
				maxBuffer: 16 * 1024 * 1024,
			},
		);
		const predictions = JSON.parse(stdout) as { image: string; label: string; topK: unknown[] }[];
		assert.deepEqual(
			predictions.map((p) => p.image),
			IMAGES.slice(0, 2),
		);
		for (const p of predictions) {
			assert.ok(IMAGENET_CLASSES.includes(p.label), p.label);
			assert.equal(p.topK.length, 2);
		}
		assert.match(stderr, /ImageNet weights downloaded to .*resnet18\.a1_in1k\.safetensors/);
		assert.equal(server.log.length, requests + 1);
		assert.equal(
			server.log.at(-1)!.auth,
			'Bearer hf_cli',
			'the token comes from RESNET18_WEIGHTS_TOKEN',
		);
		assert.ok(fs.existsSync(path.join(cli, TIMM_FILE)));
	});
});
