import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { averageViews, ttaPlan, TTA_VIEWS, ttaViews } from '../lib/infer/test-time-augmentation';

/** An image whose value at (x, y, c) is x + 100·y + 10000·c: every view's geometry can be read off its values. */
function ramp(size: number): Float32Array {
	const image = new Float32Array(size * size * 3);
	for (let y = 0; y < size; y++)
		for (let x = 0; x < size; x++)
			for (let c = 0; c < 3; c++) image[(y * size + x) * 3 + c] = x + 100 * y + 10_000 * c;
	return image;
}

const at = (views: Float32Array, size: number, view: number, x: number, y: number, c = 0) =>
	views[view * size * size * 3 + (y * size + x) * 3 + c];

describe('which views: the ones the model was trained to see', () => {
	const trained = (augment: string) => ({
		training: {
			augment,
			trainImages: 1,
			validationImages: 0,
			pretrained: false,
			backend: 'wasm',
			fineTune: 'full',
			seconds: 1,
		},
	});

	it('a model trained on flips alone is also seen mirrored, not cropped', () => {
		assert.deepEqual(ttaPlan(trained('light')).views, ['original', 'mirrored']);
	});

	it('one trained with random crops and flips is seen mirrored and as four corner crops', () => {
		for (const augment of ['standard', 'heavy'])
			assert.deepEqual(ttaPlan(trained(augment)).views, TTA_VIEWS);
	});

	it('one whose training is unknown (ImageNet weights, an older file) gets both, and says why', () => {
		const plan = ttaPlan({});
		assert.deepEqual(plan.views, TTA_VIEWS);
		assert.match(plan.basis, /does not record/);
	});

	it('one trained without augmentation gets both too, and is told it may not help', () => {
		const plan = ttaPlan(trained('none'));
		assert.deepEqual(plan.views, TTA_VIEWS);
		assert.match(plan.basis, /may not help/);
	});
});

describe('test-time augmentation views', () => {
	const size = 16;
	const views = ttaViews(ramp(size), size, TTA_VIEWS);

	it('makes six views per image: itself, mirrored, four corner crops', () => {
		assert.deepEqual(TTA_VIEWS.slice(0, 2), ['original', 'mirrored']);
		assert.equal(views.length, 6 * size * size * 3);
		assert.deepEqual(views.subarray(0, size * size * 3), ramp(size));
	});

	it('mirrors left to right, keeping rows and channels', () => {
		for (const [x, y, c] of [
			[0, 0, 0],
			[3, 7, 2],
			[15, 15, 1],
		])
			assert.equal(at(views, size, 1, x, y, c), size - 1 - x + 100 * y + 10_000 * c);
	});

	it('scales each corner crop (14 of 16 px) back to the full size, a linear ramp staying linear', () => {
		// Crop side round(16 · 7/8) = 14; its pixel centres map to (i + 0.5)·14/16 − 0.5 inside the crop.
		const source = (i: number) => Math.min(13, Math.max(0, ((i + 0.5) * 14) / 16 - 0.5));
		const origins = [
			[0, 0],
			[2, 0],
			[0, 2],
			[2, 2],
		]; // [left, top] of top-left, top-right, bottom-left, bottom-right
		origins.forEach(([left, top], k) => {
			for (const [x, y] of [
				[0, 0],
				[5, 9],
				[15, 15],
			]) {
				const expected = left + source(x) + 100 * (top + source(y));
				assert.ok(
					Math.abs(at(views, size, 2 + k, x, y) - expected) < 1e-3,
					`${TTA_VIEWS[2 + k]} at ${x},${y}`,
				);
			}
		});
	});

	it('makes the views asked for, image by image', () => {
		const two = new Float32Array([...ramp(size), ...ramp(size).map((v) => v + 1)]);
		const others = ttaViews(two, size, TTA_VIEWS.slice(1));
		assert.equal(others.length, 2 * 5 * size * size * 3);
		assert.equal(
			others[5 * size * size * 3],
			ramp(size)[0] + 1 + size - 1,
			"image 2's mirror comes sixth",
		);
	});

	it('averages each image over its views, the original given apart or among them', () => {
		const k = 2;
		const all = new Float32Array([0.9, 0.1, 0.5, 0.5, 0.1, 0.9, 0.3, 0.7, 0.7, 0.3, 0.6, 0.4]);
		assert.deepEqual(
			[...averageViews(all, 1, k)].map((v) => v.toFixed(4)),
			['0.5167', '0.4833'],
		);
		assert.deepEqual(
			[...averageViews(all.subarray(2), 1, k, all.subarray(0, 2))].map((v) => v.toFixed(4)),
			['0.5167', '0.4833'],
		);
	});
});
