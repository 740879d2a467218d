import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { INodeParameters } from 'n8n-workflow';
import { writeSyntheticDataset } from '../../lib';
import { runWorkflow, start, startN8n, type Folders } from '../support/n8n-run';
import { quickTrainNode } from '../support/train-node';

const TRAIN = 'n8n-nodes-resnet18.trainResNet18';
const LOAD = 'n8n-nodes-resnet18.loadImageDataset';

/** Train ResNet-18 behind Load Image Dataset on a small folder, with the given parameters over a fast recipe. */
function trainWorkflow(folder: string, train: INodeParameters) {
	return {
		nodes: [
			start([{}]),
			{
				name: 'Load Image Dataset',
				type: LOAD,
				parameters: { source: 'folder', folder, options: {} },
			},
			quickTrainNode('refused', {}, { dataset: '={{ $json }}', ...train }),
		],
	};
}

/** A port on 127.0.0.1 that nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

describe('through n8n-core, a run refuses what the editor would not allow', () => {
	let folders: Folders;
	let images: string;
	beforeAll(async () => {
		folders = await startN8n();
		images = path.join(folders.files, 'images');
		await writeSyntheticDataset(images, { classes: 2, perClass: 4, size: 32 });
	});

	for (const [parameter, expression] of [
		['epochs', '={{ 500 }}'],
		['batchSize', '={{ 0 }}'],
		['learningRate', '={{ 5 }}'],
	] as const) {
		it(`Train ResNet-18: ${parameter} set by expression to ${expression} stops the run and names "${parameter}"`, async () => {
			const result = await runWorkflow(trainWorkflow(images, { [parameter]: expression }));
			assert.ok(result.error, 'the run failed');
			assert.match(result.error.message, new RegExp(`"${parameter}"`));
			assert.equal(result.run.data.resultData.lastNodeExecuted, 'Train ResNet-18');
		});
	}

	it('Classify Image: Top K set by expression to ={{ 0 }} stops the run and names "topK"', async () => {
		const result = await runWorkflow({
			nodes: [
				start([{}]),
				{
					name: 'Classify Image',
					type: 'n8n-nodes-resnet18.classifyImage',
					parameters: {
						modelSource: 'named',
						modelName: 'none-needed',
						imageSource: 'binary',
						topK: '={{ 0 }}',
						threshold: 0,
						device: 'auto',
						options: {},
					},
				},
			],
		});
		assert.ok(result.error, 'the run failed');
		assert.match(result.error.message, /"topK"/);
		assert.equal(result.run.data.resultData.lastNodeExecuted, 'Classify Image');
	});

	it("Train ResNet-18 offline: the failed ImageNet download is reported in the package's own words", async () => {
		const port = await closedPort();
		const workflow = trainWorkflow(images, {
			pretrained: 'imagenet-torchvision',
			useWeightsSource: true,
		});
		const result = await runWorkflow({
			nodes: workflow.nodes.map((node) =>
				node.type === TRAIN
					? { ...node, credentials: { resNetWeightsSourceApi: { id: '1', name: 'Mirror' } } }
					: node,
			),
			credentials: {
				resNetWeightsSourceApi: { baseUrl: `http://127.0.0.1:${port}/models`, token: '' },
			},
		});
		const target = path.join(folders.weightsCache, 'resnet18-f37072fd.pth');
		const url = `http://127.0.0.1:${port}/models/resnet18-f37072fd.pth`;
		assert.ok(result.error, 'the run failed');
		// n8n would show "The service refused the connection - perhaps it is offline" for a message naming ECONNREFUSED.
		assert.equal(
			result.error.message,
			`${target}: could not download ${url} (connect ECONNREFUSED 127.0.0.1:${port}). Without network, download the file elsewhere and place it at ${target}`,
		);
		assert.equal(result.error.description, `File: ${target}`);
		assert.equal(result.run.data.resultData.lastNodeExecuted, 'Train ResNet-18');
	});

	it('Train ResNet-18: a models folder that cannot be written stops the run before training, naming it', async () => {
		const aFile = path.join(folders.files, 'not-a-folder');
		fs.writeFileSync(aFile, 'x');
		const models = process.env.RESNET18_MODELS_FOLDER;
		process.env.RESNET18_MODELS_FOLDER = path.join(aFile, 'models');
		try {
			const result = await runWorkflow(trainWorkflow(images, {}));
			assert.ok(result.error, 'the run failed');
			assert.match(
				result.error.message,
				/"RESNET18_MODELS_FOLDER".*not-a-folder is a file, not a folder/,
			);
			assert.equal(result.run.data.resultData.lastNodeExecuted, 'Train ResNet-18');
		} finally {
			process.env.RESNET18_MODELS_FOLDER = models;
		}
	});
});
