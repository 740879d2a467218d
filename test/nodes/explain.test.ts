import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { IDataObject } from 'n8n-workflow';
import { writeSyntheticDataset } from '../../lib';
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

/**
 * Issue 15 through n8n-core: Classify Image's Grad-CAM heatmap and test-time augmentation, Evaluate's TTA figures,
 * its kNN baseline (here without ImageNet weights in the cache: the line says they are missing) and its mistakes
 * sheet with heatmaps.
 */
describe('Grad-CAM, test-time augmentation and the kNN baseline, in a workflow', () => {
	let folders: Folders;
	let images: string[];
	let run: WorkflowResult;

	beforeAll(async () => {
		folders = await startN8n('filesystem');
		const root = path.join(folders.files, 'shapes');
		const classes = await writeSyntheticDataset(root, { classes: 2, perClass: 8, size: 40 });
		images = classes.map((c) => path.join(root, c, fs.readdirSync(path.join(root, c)).sort()[0]));
		run = await runWorkflow({
			nodes: [
				start([{}]),
				{
					name: 'Load Image Dataset',
					type: LOAD,
					parameters: { source: 'folder', folder: root, options: { validationSplit: 50, seed: 2 } },
				},
				quickTrainNode('shapes', { augment: 'light' }),
				{
					name: 'Evaluate ResNet-18',
					type: EVALUATE,
					parameters: {
						modelSource: 'named',
						modelName: 'shapes',
						data: 'manifest',
						split: 'validation',
						device: 'auto',
						options: { testTimeAugmentation: true, knnBaseline: true },
					},
				},
			],
		});
		assert.equal(run.error, undefined, run.error?.message);
	});

	it('Classify Image puts out a Grad-CAM PNG of the top class, the size of the model input, and answers averaged over the views the model was trained on', async () => {
		const classified = await runWorkflow({
			nodes: [
				start(images.map(() => ({ json: {} }))),
				{
					name: 'Classify Image',
					type: CLASSIFY,
					parameters: {
						modelSource: 'named',
						modelName: 'shapes',
						imageSource: 'file',
						imageFile: `={{ ${JSON.stringify(images)}[$itemIndex] }}`,
						topK: 2,
						threshold: 0,
						device: 'auto',
						options: { gradCam: true, testTimeAugmentation: true },
					},
				},
			],
		});
		assert.equal(classified.error, undefined, classified.error?.message);
		const items = classified.output('Classify Image');
		assert.equal(items.length, images.length);
		for (const [i, item] of items.entries()) {
			// Trained with flips alone ("light"): TTA adds the mirrored view, not crops it never saw.
			assert.deepEqual(item.json.testTimeAugmentation, { views: ['original', 'mirrored'] });
			const top = item.json.topK as { probability: number }[];
			assert.ok(
				Math.abs(top[0].probability + top[1].probability - 1) < 1e-5,
				'the views average to a distribution',
			);
			assert.equal(item.binary?.gradCam?.mimeType, 'image/png');
			assert.equal(
				item.binary?.gradCam?.fileName,
				`${path.basename(images[i]).replace(/\.[^.]*$/, '')}.gradcam.png`,
			);
			const meta = await sharp(await classified.binary(item, 'gradCam')).metadata();
			assert.deepEqual([meta.width, meta.height], [32, 32]);
		}
	});

	it('Evaluate reports accuracy with and without TTA, the images it changed and its cost', () => {
		const json = run.output('Evaluate ResNet-18')[0].json;
		const tta = json.testTimeAugmentation as IDataObject;
		assert.deepEqual(tta.views, ['original', 'mirrored']);
		assert.match(String(tta.basis), /"light"/);
		assert.equal(tta.accuracyWithout, json.accuracy);
		const count = json.count as number;
		const right = Math.round((json.accuracy as number) * count);
		assert.equal(
			Math.round((tta.accuracy as number) * count),
			right + (tta.fixed as number) - (tta.broken as number),
			'accuracy with TTA = without + fixed − broken',
		);
		assert.ok(
			(tta.msPerImage as number) > (tta.msPerImageWithout as number),
			'two views cost more than one',
		);
		assert.ok(
			Math.abs(
				(tta.extraMsPerImage as number) -
					((tta.msPerImage as number) - (tta.msPerImageWithout as number)),
			) < 1e-9,
		);
	});

	it('Evaluate says the kNN baseline needs the ImageNet weights when the cache has none, naming the folder', () => {
		const knn = run.output('Evaluate ResNet-18')[0].json.knnBaseline as IDataObject;
		assert.equal(knn.status, 'missing');
		assert.match(
			String(knn.note),
			new RegExp(folders.weightsCache.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
		);
		assert.match(String(knn.note), /resnet18-f37072fd\.pth/);
	});

	it("Evaluate's mistakes sheet carries a Grad-CAM heatmap beside each mistake", async () => {
		const item = run.output('Evaluate ResNet-18')[0];
		if ((item.json.misclassifiedCount as number) === 0) {
			assert.equal(item.binary?.mistakes, undefined, 'no sheet when every image is right');
			return;
		}
		const sheet = await sharp(await run.binary(item, 'mistakes')).metadata();
		const shown = Math.min(24, item.json.misclassifiedCount as number);
		const columns = Math.min(4, shown);
		assert.equal(
			sheet.width,
			columns * (2 * 112 + 24) + 20,
			'two pictures per mistake: image and heatmap',
		);
	});
});
