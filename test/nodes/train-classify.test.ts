import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IConnections, IDataObject, INodeExecutionData } from 'n8n-workflow';
import { writeSyntheticDataset } from '../../lib';
import type { EmittedItem } from '../support/emit-items-node';
import {
	runWorkflow,
	start,
	startN8n,
	type Folders,
	type TestNode,
	type WorkflowResult,
} from '../support/n8n-run';

const LOAD = 'n8n-nodes-resnet18.loadImageDataset';
const TRAIN = 'n8n-nodes-resnet18.trainResNet18';
const EVALUATE = 'n8n-nodes-resnet18.evaluateResNet18';
const CLASSIFY = 'n8n-nodes-resnet18.classifyImage';
const EXAMPLES = path.resolve(__dirname, '../../../examples/workflows');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const PREDICTION_FIELDS = [
	'confidence',
	'engine',
	'label',
	'model',
	'modelVersion',
	'threads',
	'topK',
	'unknown',
];

function classify(parameters: IDataObject, onError?: TestNode['onError']): TestNode {
	return {
		name: 'Classify Image',
		type: CLASSIFY,
		onError,
		parameters: {
			modelSource: 'named',
			modelName: 'shapes',
			imageSource: 'binary',
			imageBinaryProperty: 'data',
			topK: 2,
			threshold: 0,
			device: 'auto',
			options: {},
			...parameters,
		},
	};
}

function pairedItems(items: INodeExecutionData[]): unknown[] {
	return items.map((item) => item.pairedItem);
}

/**
 * Our four nodes run by n8n-core's WorkflowExecute (real parameters and expressions, binary data through n8n's
 * filesystem binary-data store): a model is trained from a folder once, then evaluated and used to classify.
 */
describe('the nodes in a workflow run by n8n-core', () => {
	let folders: Folders;
	let classes: string[];
	let images: string[];
	let training: WorkflowResult;
	/** A JPEG name with text inside: what a user uploads by mistake. */
	let notAnImage: string;

	beforeAll(async () => {
		folders = await startN8n('filesystem');
		const root = path.join(folders.files, 'shapes');
		classes = await writeSyntheticDataset(root, { classes: 2, perClass: 6, size: 40 });
		images = classes.flatMap((c) =>
			fs
				.readdirSync(path.join(root, c))
				.sort()
				.map((f) => path.join(root, c, f)),
		);
		notAnImage = path.join(folders.files, 'not-an-image.jpg');
		fs.writeFileSync(notAnImage, 'this is a text file, not a JPEG\n');
		training = await runWorkflow({
			nodes: [
				start([{}]),
				{
					name: 'Load Image Dataset',
					type: LOAD,
					parameters: { source: 'folder', folder: root, options: { validationSplit: 34, seed: 1 } },
				},
				{
					name: 'Train ResNet-18',
					type: TRAIN,
					parameters: {
						modelName: 'shapes',
						preset: 'manual',
						batchSize: 4,
						epochs: 2,
						learningRate: 0.001,
						evalSteps: 1,
						pretrained: 'none',
						fineTune: 'full',
						device: 'auto',
						options: { imageSize: 32, augment: 'none' },
					},
				},
				{
					name: 'Evaluate ResNet-18',
					type: EVALUATE,
					parameters: {
						modelSource: 'binary',
						modelBinaryProperty: 'model',
						data: 'manifest',
						split: 'validation',
						device: 'auto',
						options: { topK: 1 },
					},
				},
			],
		});
		assert.equal(training.error, undefined, training.error?.message);
	});

	it('Train ResNet-18 trains a model from the dataset item and puts out the model, its accuracy and its curves', async () => {
		const [item, ...more] = training.output('Train ResNet-18');
		assert.equal(more.length, 0);
		assert.deepEqual(item.pairedItem, { item: 0 });
		const model = item.json.model as IDataObject;
		assert.equal(model.name, 'shapes');
		assert.equal(model.version, 1);
		assert.equal(model.published, true);
		assert.ok(
			String(model.file).startsWith(folders.models),
			`${String(model.file)} is in the models folder`,
		);
		assert.ok(fs.existsSync(String(model.file)));
		assert.deepEqual(item.json.classes, classes);
		const accuracy = item.json.validationAccuracy as number;
		assert.ok(accuracy >= 0 && accuracy <= 1, `validationAccuracy ${accuracy}`);
		assert.equal((item.json.history as IDataObject[]).length, 2);
		const history = item.json.history as IDataObject[];
		const saved = history.find((h) => h.epoch === item.json.savedEpoch);
		assert.ok(saved, `savedEpoch ${String(item.json.savedEpoch)} is one of the epochs`);
		assert.equal(accuracy, saved.validationAccuracy, "validationAccuracy is the saved epoch's");
		assert.deepEqual(item.json.lastEpoch, history[1]);
		const curves = await training.binary(item, 'curves');
		assert.deepEqual(curves.subarray(0, 4), PNG);
		assert.equal(item.binary?.curves.mimeType, 'image/png');
		const file = await training.binary(item, 'model');
		assert.deepEqual(
			file,
			fs.readFileSync(String(model.file)),
			'the model binary is the saved file',
		);
	});

	it("Evaluate ResNet-18 scores the model from Train's binary output and puts out its pictures as PNG binaries", async () => {
		const [item] = training.output('Evaluate ResNet-18');
		assert.deepEqual(item.pairedItem, { item: 0 });
		assert.equal(item.json.count, 4, 'the validation split: 2 images of each class');
		assert.ok((item.json.accuracy as number) >= 0 && (item.json.accuracy as number) <= 1);
		// What Train reported (and gated publishing on) counts the images Evaluate finds right on the saved file.
		const trained = training.output('Train ResNet-18')[0].json;
		assert.equal(trained.validationImages, item.json.count);
		assert.equal(
			Math.round((trained.validationAccuracy as number) * 4),
			Math.round((item.json.accuracy as number) * 4),
		);
		for (const picture of ['confusionMatrix', 'perClass', 'calibration']) {
			assert.equal(item.binary?.[picture]?.mimeType, 'image/png', picture);
			assert.deepEqual((await training.binary(item, picture)).subarray(0, 4), PNG, picture);
		}
	});

	it("Train names its dataset snapshot, and Evaluate says that it scored the model's own validation split", () => {
		const trained = training.output('Train ResNet-18')[0].json;
		assert.match(String(trained.datasetSnapshot), /^ds-[0-9a-f]{24}$/);
		assert.match(String(trained.validationSplit), /^vs-[0-9a-f]{24}$/);
		const split = training.output('Evaluate ResNet-18')[0].json.split as IDataObject;
		assert.equal(split.split, trained.validationSplit);
		assert.equal(split.sameAsValidation, true);
		assert.match(String(split.note), /validated on/);
	});

	it('Classify Image labels the binary images of the upstream items; an upload that is not an image becomes an error item naming it, the others go on', async () => {
		const upload = (file: string, id: string): EmittedItem => ({
			json: { id },
			files: { data: { file } },
		});
		const result = await runWorkflow({
			nodes: [
				start([upload(images[0], 'a'), upload(notAnImage, 'b'), upload(images.at(-1)!, 'c')]),
				classify({}, 'continueRegularOutput'),
			],
		});
		assert.equal(result.error, undefined, result.error?.message);
		const out = result.output('Classify Image');
		assert.deepEqual(pairedItems(out), [{ item: 0 }, { item: 1 }, { item: 2 }]);
		for (const i of [0, 2]) {
			assert.ok(classes.includes(String(out[i].json.label)), String(out[i].json.label));
			assert.equal((out[i].json.topK as IDataObject[]).length, 2);
			assert.equal(
				out[i].binary?.data.fileName,
				path.basename(i === 0 ? images[0] : images.at(-1)!),
			);
		}
		assert.deepEqual(
			[out[0].json.id, out[2].json.id],
			['a', 'c'],
			"the input item's fields are kept beside the prediction",
		);
		assert.match(String(out[1].json.error), /not-an-image\.jpg/);
		assert.equal(out[1].json.label, undefined);
	});

	it('Classify Image by file path: a missing file goes to the error output naming the file; the other item is classified', async () => {
		const missing = path.join(folders.files, 'gone.png');
		const result = await runWorkflow({
			nodes: [
				start([{ json: { path: images[1] } }, { json: { path: missing } }]),
				classify({ imageSource: 'file', imageFile: '={{ $json.path }}' }, 'continueErrorOutput'),
			],
		});
		assert.equal(result.error, undefined, result.error?.message);
		const [ok, ...moreOk] = result.output('Classify Image', 0);
		const [failed, ...moreFailed] = result.output('Classify Image', 1);
		assert.deepEqual([moreOk.length, moreFailed.length], [0, 0]);
		assert.deepEqual(ok.pairedItem, { item: 0 });
		assert.ok(classes.includes(String(ok.json.label)));
		assert.deepEqual(failed.pairedItem, { item: 1 });
		assert.match(String(failed.json.error), /gone\.png/);
	});

	it('Classify Image without Continue On Fail: a bad image stops the run with an error naming the file', async () => {
		const result = await runWorkflow({
			nodes: [start([{ files: { data: { file: notAnImage } } }]), classify({})],
		});
		assert.ok(result.error, 'the run failed');
		assert.match(result.error.message, /not-an-image\.jpg/);
		assert.equal(result.run.data.resultData.lastNodeExecuted, 'Classify Image');
	});

	it('Load Image Dataset makes one dataset of labelled binary items; an item that is no image is listed as a problem', async () => {
		const uploads: EmittedItem[] = [...images, notAnImage].map((file) => ({
			json: { label: path.basename(path.dirname(file)) },
			files: { data: { file } },
		}));
		const result = await runWorkflow({
			nodes: [
				start(uploads),
				{
					name: 'Load Image Dataset',
					type: LOAD,
					parameters: {
						source: 'binary',
						binaryProperty: 'data',
						label: '={{ $json.label }}',
						options: { validationSplit: 0 },
					},
				},
			],
		});
		assert.equal(result.error, undefined, result.error?.message);
		const [dataset, ...more] = result.output('Load Image Dataset');
		assert.equal(more.length, 0);
		assert.deepEqual(
			dataset.pairedItem,
			uploads.map((_, item) => ({ item })),
			'the dataset comes from every input item',
		);
		assert.deepEqual(dataset.json.classes, classes);
		assert.equal((dataset.json.train as unknown[]).length, images.length);
		const left = (dataset.json.problems as IDataObject[]).filter((p) => p.kept === false);
		assert.deepEqual(
			left.map((p) => p.file),
			['not-an-image.jpg'],
		);
	});

	describe('the webhook example (examples/workflows/webhook-classify.json)', () => {
		/** The example with its Webhook node emitting what n8n's Webhook puts out for a multipart upload. */
		async function callWebhook(file: string): Promise<{ answer: IDataObject; responder: string }> {
			const example = JSON.parse(
				fs.readFileSync(path.join(EXAMPLES, 'webhook-classify.json'), 'utf8'),
			) as { nodes: (TestNode & { type: string })[]; connections: IConnections };
			const request: EmittedItem = {
				json: {
					headers: { host: '127.0.0.1:5678', 'content-type': 'multipart/form-data; boundary=x' },
					params: {},
					query: {},
					body: {},
				},
				files: { data: { file } },
			};
			const nodes = example.nodes.map((node) =>
				node.type === 'n8n-nodes-base.webhook' ? { ...start([request]), name: node.name } : node,
			);
			const result = await runWorkflow({ nodes, connections: example.connections });
			assert.equal(result.error, undefined, result.error?.message);
			const responders = example.nodes
				.filter((n) => n.type === 'n8n-nodes-base.respondToWebhook')
				.filter((n) => result.run.data.resultData.runData[n.name]);
			assert.equal(responders.length, 1, 'exactly one Respond to Webhook answers');
			const [answer] = result.output(responders[0].name);
			return { answer: answer.json, responder: responders[0].name };
		}

		it('answers an image with the prediction fields only (no request headers)', async () => {
			const { answer } = await callWebhook(images[0]);
			assert.equal(answer.statusCode, 200);
			const body = answer.body as IDataObject;
			assert.deepEqual(Object.keys(body).sort(), PREDICTION_FIELDS);
			assert.ok(classes.includes(String(body.label)));
		});

		it('answers an upload that is not an image with HTTP 422 and our error text naming the file', async () => {
			const { answer } = await callWebhook(notAnImage);
			assert.equal(answer.statusCode, 422);
			const body = answer.body as IDataObject;
			assert.match(String(body.error), /not-an-image\.jpg/);
			assert.equal(body.headers, undefined);
			assert.equal(body.label, undefined);
		});
	});
});
