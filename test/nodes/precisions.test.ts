import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IDataObject } from 'n8n-workflow';
import { writeSyntheticDataset } from '../../lib';
import { onnxRuntime } from '../../lib/infer/onnx-runtime';
import { quickTrainNode } from '../support/train-node';
import {
	runWorkflow,
	start,
	startN8n,
	type Folders,
	type WorkflowResult,
} from '../support/n8n-run';

const LOAD = 'n8n-nodes-resnet18.loadImageDataset';
const EVALUATE = 'n8n-nodes-resnet18.evaluateResNet18';
const CLASSIFY = 'n8n-nodes-resnet18.classifyImage';

const withOrt = typeof onnxRuntime() === 'string' ? describe.skip : describe;

/**
 * Issue 14 through n8n-core: Train's Also Save keeps float16 and int8 copies of the version in the store before it
 * goes live; Classify Image serves the int8 one through ONNX Runtime; Evaluate scores a second precision beside the
 * first on the same split.
 */
withOrt('float16 and int8 copies of a version, in a workflow', () => {
	let folders: Folders;
	let image: string;
	let run: WorkflowResult;

	beforeAll(async () => {
		folders = await startN8n('filesystem');
		const root = path.join(folders.files, 'shapes');
		const classes = await writeSyntheticDataset(root, { classes: 2, perClass: 6, size: 40 });
		image = path.join(root, classes[0], fs.readdirSync(path.join(root, classes[0])).sort()[0]);
		run = await runWorkflow({
			nodes: [
				start([{}]),
				{
					name: 'Load Image Dataset',
					type: LOAD,
					parameters: { source: 'folder', folder: root, options: { validationSplit: 34, seed: 1 } },
				},
				quickTrainNode('shapes', { augment: 'none', alsoSave: 'float16-int8' }),
				{
					name: 'Evaluate ResNet-18',
					type: EVALUATE,
					parameters: {
						modelSource: 'named',
						modelName: 'shapes',
						data: 'manifest',
						split: 'validation',
						device: 'auto',
						options: { compareWith: 'int8' },
					},
				},
			],
		});
		assert.equal(run.error, undefined, run.error?.message);
	});

	it('Train stores float32, float16 and int8 files of the version and reports each size', () => {
		const model = run.output('Train ResNet-18')[0].json.model as IDataObject;
		const precisions = model.precisions as { precision: string; bytes: number }[];
		assert.deepEqual(
			precisions.map((p) => p.precision),
			['float32', 'float16', 'int8'],
		);
		const dir = path.join(folders.models, 'shapes');
		assert.equal(
			fs.statSync(path.join(dir, 'v0001.float16.safetensors')).size,
			precisions[1].bytes,
		);
		assert.equal(fs.statSync(path.join(dir, 'v0001.int8.onnx')).size, precisions[2].bytes);
		assert.ok(precisions[1].bytes < precisions[0].bytes * 0.51);
		assert.ok(precisions[2].bytes < precisions[0].bytes * 0.27);
	});

	it('Evaluate puts float32 and int8 side by side on the same images: accuracy, bytes, ms per image', () => {
		const json = run.output('Evaluate ResNet-18')[0].json;
		const rows = json.precisions as {
			precision: string;
			accuracy: number;
			count: number;
			bytes: number;
			msPerImage: number;
			engine: string;
		}[];
		assert.deepEqual(
			rows.map((r) => r.precision),
			['float32', 'int8'],
		);
		assert.equal(rows[0].accuracy, json.accuracy);
		assert.equal(rows[1].count, json.count);
		assert.equal(rows[1].engine, 'onnxruntime');
		assert.ok(rows.every((r) => r.msPerImage > 0));
	});

	it('Classify Image serves the int8 copy of the live version through ONNX Runtime, with its embedding', async () => {
		const classified = await runWorkflow({
			nodes: [
				start([{ json: {} }]),
				{
					name: 'Classify Image',
					type: CLASSIFY,
					parameters: {
						modelSource: 'named',
						modelName: 'shapes',
						modelPrecision: 'int8',
						imageSource: 'file',
						imageFile: image,
						topK: 1,
						threshold: 0,
						device: 'auto',
						options: { embedding: true },
					},
				},
			],
		});
		assert.equal(classified.error, undefined, classified.error?.message);
		const json = classified.output('Classify Image')[0].json;
		assert.match(String(json.engine), /onnx/i);
		assert.match(String((json.model as IDataObject).source), /int8|v0001/);
		assert.ok(Number.isFinite(json.confidence));
		// The int8 graph's pooled features, as Include Embedding puts them out (issue 15).
		const embedding = json.embedding as number[];
		assert.equal(embedding.length, 512);
		assert.ok(Math.abs(Math.hypot(...embedding) - 1) < 1e-5);
	});

	it('Evaluate refuses a precision name for a model from a file, naming Compare With, before scoring anything', async () => {
		const file = path.join(folders.models, 'shapes', 'v0001.safetensors');
		const refused = await runWorkflow({
			nodes: [
				start([{ json: {} }]),
				{
					name: 'Evaluate ResNet-18',
					type: EVALUATE,
					parameters: {
						modelSource: 'file',
						modelFile: file,
						data: 'folder',
						folder: path.join(folders.files, 'shapes'),
						device: 'auto',
						options: { compareWith: 'int8' },
					},
				},
			],
		});
		assert.ok(refused.error, 'the run fails');
		assert.match(refused.error.message, /compareWith/);
		assert.match(refused.error.message, /only a named model/);
	});
});
