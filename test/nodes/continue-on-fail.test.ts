import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IDataObject } from 'n8n-workflow';
import { writeSyntheticDataset } from '../../lib';
import type { EmittedItem } from '../support/emit-items-node';
import { runWorkflow, start, startN8n, type Folders, type TestNode } from '../support/n8n-run';
import { untrainedModelBytes } from '../support/untrained-model';

const EVALUATE = 'n8n-nodes-resnet18.evaluateResNet18';
const CLASSIFY = 'n8n-nodes-resnet18.classifyImage';
const LOAD = 'n8n-nodes-resnet18.loadImageDataset';
const TRAIN = 'n8n-nodes-resnet18.trainResNet18';

/**
 * Issue 12, item 7: a bad parameter or file in one item fails that item only. With Continue On Fail the others go
 * on and the failed item's JSON names the parameter (and its range) or the file; without it the run stops with an
 * error naming the item and what is at fault. Nothing here may take the process down.
 */
describe('one bad item among good ones, through n8n-core', () => {
	let folders: Folders;
	let dataset: string;
	let modelFile: string;
	let images: string[];

	beforeAll(async () => {
		folders = await startN8n();
		dataset = path.join(folders.files, 'shapes');
		const classes = await writeSyntheticDataset(dataset, { classes: 2, perClass: 3, size: 32 });
		images = classes.flatMap((c) =>
			fs
				.readdirSync(path.join(dataset, c))
				.sort()
				.map((f) => path.join(dataset, c, f)),
		);
		// An untrained network is enough: these specs are about which items fail, not about accuracy.
		modelFile = path.join(folders.files, 'model.safetensors');
		fs.writeFileSync(modelFile, untrainedModelBytes(classes, 3));
	});

	const three: EmittedItem[] = [{ json: { bad: false } }, { json: { bad: true } }, { json: {} }];

	function evaluateNode(onError?: TestNode['onError']): TestNode {
		return {
			name: 'Evaluate ResNet-18',
			type: EVALUATE,
			onError,
			parameters: {
				modelSource: 'file',
				modelFile,
				data: 'folder',
				folder: dataset,
				device: 'auto',
				options: { batchSize: '={{ $json.bad ? 0 : 4 }}', topK: 1 },
			},
		};
	}

	it('Evaluate with Continue On Fail: the item whose batch size is 0 gets an error naming "batchSize" and its range; the others are evaluated', async () => {
		const result = await runWorkflow({
			nodes: [start(three), evaluateNode('continueRegularOutput')],
		});
		assert.equal(result.error, undefined, result.error?.message);
		const out = result.output('Evaluate ResNet-18');
		assert.deepEqual(
			out.map((i) => i.pairedItem),
			[{ item: 0 }, { item: 1 }, { item: 2 }],
		);
		const failed = out[1].json;
		assert.equal(failed.parameter, 'batchSize', JSON.stringify(failed));
		assert.match(String(failed.error), /"batchSize"/);
		assert.match(String(failed.error), /1.*128/, `the range is given: ${String(failed.error)}`);
		assert.equal(failed.accuracy, undefined);
		for (const good of [out[0].json, out[2].json]) {
			assert.equal(good.error, undefined);
			assert.equal(good.count, images.length, 'every image of the folder is scored');
			const accuracy = good.accuracy as number;
			assert.ok(accuracy >= 0 && accuracy <= 1, `accuracy ${accuracy}`);
			const matrix = (good.confusionMatrix as IDataObject).matrix as number[][];
			assert.equal(
				matrix.flat().reduce((a, b) => a + b, 0),
				images.length,
			);
		}
	});

	it('Evaluate without Continue On Fail: the bad item stops the run, naming the item and "batchSize"', async () => {
		const result = await runWorkflow({ nodes: [start(three), evaluateNode()] });
		assert.ok(result.error, 'the run failed');
		assert.equal(result.error.name, 'NodeOperationError');
		assert.match(result.error.message, /"batchSize"/);
		assert.equal((result.error as { context?: IDataObject }).context?.itemIndex, 1);
		assert.equal(result.run.data.resultData.lastNodeExecuted, 'Evaluate ResNet-18');
	});

	it('Train ResNet-18 with Continue On Fail: the item whose epochs are 500 names "epochs" and its range; the other trains', async () => {
		const result = await runWorkflow({
			nodes: [
				start([{ json: {} }, { json: {} }]),
				{
					name: 'Load Image Dataset',
					type: LOAD,
					parameters: {
						source: 'folder',
						folder: dataset,
						options: { validationSplit: 34, seed: 1 },
					},
				},
				{
					name: 'Train ResNet-18',
					type: TRAIN,
					onError: 'continueRegularOutput',
					parameters: {
						modelName: 'one-of-two',
						preset: 'manual',
						batchSize: 4,
						epochs: '={{ $itemIndex === 1 ? 500 : 1 }}',
						learningRate: 0.001,
						evalSteps: 1,
						pretrained: 'none',
						fineTune: 'full',
						device: 'auto',
						options: { imageSize: 32, augment: 'none', includeModelBinary: false },
					},
				},
			],
		});
		assert.equal(result.error, undefined, result.error?.message);
		const [trained, refused] = result.output('Train ResNet-18');
		assert.equal(refused.json.parameter, 'epochs', JSON.stringify(refused.json));
		assert.match(String(refused.json.error), /"epochs": must be between 1 and 50, got 500/);
		assert.equal(
			(trained.json.model as IDataObject).version,
			1,
			'the good item trained and saved v1',
		);
		assert.equal((trained.json.history as unknown[]).length, 1);
	});

	function classifyNode(onError?: TestNode['onError']): TestNode {
		return {
			name: 'Classify Image',
			type: CLASSIFY,
			onError,
			parameters: {
				modelSource: 'file',
				modelFile: '={{ $json.model }}',
				imageSource: 'file',
				imageFile: '={{ $json.image }}',
				topK: 1,
				threshold: 0,
				device: 'auto',
				options: {},
			},
		};
	}

	it('Classify Image with Continue On Fail: a broken model file and a missing one fail their items, naming the file; the others are classified', async () => {
		const broken = path.join(folders.files, 'broken.safetensors');
		// A safetensors header size that points past the end of the file: the weights reader refuses it.
		const header = Buffer.alloc(8);
		header.writeBigUInt64LE(1000n);
		fs.writeFileSync(broken, Buffer.concat([header, Buffer.from('{"a":')]));
		const missing = path.join(folders.files, 'gone.safetensors');
		const result = await runWorkflow({
			nodes: [
				start([
					{ json: { model: modelFile, image: images[0] } },
					{ json: { model: broken, image: images[1] } },
					{ json: { model: missing, image: images[2] } },
					{ json: { model: modelFile, image: images[3] } },
				]),
				classifyNode('continueRegularOutput'),
			],
		});
		assert.equal(result.error, undefined, result.error?.message);
		const out = result.output('Classify Image');
		assert.deepEqual(
			out.map((i) => i.pairedItem),
			[{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }],
		);
		for (const good of [out[0].json, out[3].json]) {
			assert.equal(good.error, undefined);
			assert.equal(typeof good.label, 'string');
		}
		assert.equal(out[1].json.file, broken, JSON.stringify(out[1].json));
		assert.match(String(out[1].json.error), /broken\.safetensors/);
		assert.equal(out[2].json.file, missing);
		assert.match(String(out[2].json.error), /gone\.safetensors/);
	});

	it('Classify Image without Continue On Fail: a broken model file stops the run, naming the file', async () => {
		const broken = path.join(folders.files, 'junk.safetensors');
		fs.writeFileSync(broken, 'not a model');
		const result = await runWorkflow({
			nodes: [
				start([
					{ json: { model: modelFile, image: images[0] } },
					{ json: { model: broken, image: images[1] } },
				]),
				classifyNode(),
			],
		});
		assert.ok(result.error, 'the run failed');
		assert.match(result.error.message, /junk\.safetensors/);
		assert.equal((result.error as { context?: IDataObject }).context?.itemIndex, 1);
	});
});
