import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import * as tf from '../lib/compute/tf';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { camAtImageSize, camMassInside, gradCams } from '../lib/infer/grad-cam';
import { ResNet18 } from '../lib/model/resnet18';
import { gradCamPng } from '../lib/report/grad-cam-picture';
import { readSafetensors, writeSafetensors } from '../lib/weights/safetensors';
import { testBackend } from './support/backend';
import { goldenInputNHWC, goldenStateDict } from './support/golden-weights';

interface GradCamCase {
	inputSeed: number;
	inputShape: [number, number, number, number];
	classIndex: number;
	rank: number;
	logits: number[];
	camShape: [number, number];
	cam: number[];
	upsampledStride: number;
	upsampled: number[];
	upsampledGridShape: [number, number];
}

/** torch's autograd Grad-CAM (hooks on layer4) of the golden weights: test/fixtures/make_gradcam.py. */
const fixture = JSON.parse(
	fs.readFileSync(
		path.join(__dirname, '../../test/fixtures/gradcam/resnet18-gradcam.json'),
		'utf8',
	),
) as { cases: GradCamCase[] };

function goldenModel(): ResNet18 {
	const bytes = writeSafetensors(goldenStateDict(10));
	return ResNet18.fromStateDict(readSafetensors(bytes, 'golden.safetensors').tensors, {
		file: 'golden.safetensors',
	});
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
	assert.equal(a.length, b.length);
	let max = 0;
	for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
	return max;
}

describe("Grad-CAM against torch's autograd Grad-CAM on the same weights and input", () => {
	for (const c of fixture.cases) {
		const [, , h, w] = c.inputShape;
		const which = c.rank === 0 ? 'the top class' : 'the least likely class (ReLU cuts most of it)';
		it(`${h}×${w} input, ${which}: the ${c.camShape.join('×')} map and its upsampled heatmap match torch's`, async () => {
			await testBackend();
			const model = goldenModel();
			const input = goldenInputNHWC(c.inputShape, c.inputSeed);
			// The first forward folds batch norm into the convolutions, which the network keeps: count after it.
			await gradCams(model, input.data, h, w, [c.classIndex]);
			const tensorsBefore = tf.memory().numTensors;
			const [cam] = await gradCams(model, input.data, h, w, [c.classIndex]);
			const tensorsAfter = tf.memory().numTensors;
			model.dispose();
			assert.equal(tensorsAfter, tensorsBefore, 'every tensor Grad-CAM made is disposed');
			assert.deepEqual([cam.height, cam.width], c.camShape);
			const peak = Math.max(...c.cam);
			const mapDiff = maxAbsDiff(cam.values, c.cam);
			assert.ok(
				mapDiff <= 1e-4 * Math.max(1, peak),
				`max |Δ| of the map = ${mapDiff} (peak ${peak})`,
			);
			assert.equal(
				cam.values.filter((v) => v > 0).length,
				c.cam.filter((v) => v > 0).length,
				'the same positions are cut by ReLU',
			);
			const up = camAtImageSize(cam, h, w);
			const grid: number[] = [];
			for (let y = 0; y < h; y += c.upsampledStride)
				for (let x = 0; x < w; x += c.upsampledStride) grid.push(up[y * w + x]);
			const upDiff = maxAbsDiff(grid, c.upsampled);
			assert.ok(upDiff <= 1e-4, `max |Δ| of the heatmap at the image's size = ${upDiff}`);
		});
	}
});

describe('Grad-CAM heatmap picture and box mass', () => {
	it('draws a PNG the size of the model input, red where the map peaks', async () => {
		await testBackend();
		const size = 64;
		const values = new Float32Array(4);
		values[3] = 1; // bottom-right cell of a 2×2 map
		const pixels = new Float32Array(size * size * 3); // the mean colour, normalised: 0
		const png = await gradCamPng(pixels, size, IMAGENET_NORMALIZATION, {
			classIndex: 0,
			height: 2,
			width: 2,
			values,
		});
		const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
		assert.deepEqual([info.width, info.height, info.channels], [size, size, 3]);
		const at = (x: number, y: number) => [
			...data.subarray((y * size + x) * 3, (y * size + x) * 3 + 3),
		];
		const [r, g, b] = at(size - 1, size - 1);
		assert.ok(r > g + 50 && r > b + 50, `the peak's corner is red: ${[r, g, b]}`);
		const [r0, , b0] = at(0, 0);
		assert.ok(b0 > r0 + 50, `the cold corner is blue: ${at(0, 0)}`);
	});

	it('counts the share of the map inside a box', () => {
		const map = new Float32Array([0, 1, 0, 3]);
		assert.equal(camMassInside(map, 2, { left: 1, top: 0, right: 2, bottom: 2 }), 1);
		assert.equal(camMassInside(map, 2, { left: 0, top: 1, right: 2, bottom: 2 }), 0.75);
		assert.equal(
			camMassInside(new Float32Array(4), 2, { left: 0, top: 0, right: 1, bottom: 1 }),
			0,
		);
	});
});
