import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import * as tf from '../lib/compute/tf';
import { loadImageTensorData } from '../lib/data/image';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import {
	torchvisionCropOffset,
	torchvisionResizeSize,
	type Resampler,
} from '../lib/data/preprocessing';
import { ResNet18 } from '../lib/model/resnet18';
import { goldenStateDict } from './support/golden-weights';
import { testBackend } from './support/backend';

/**
 * Our evaluation preprocessing against torchvision's Resize(256) + CenterCrop(224) on PIL images, on real photos
 * (test/fixtures/make_preprocessing.py wrote the crops torchvision made and the logits torch computed from them).
 */
interface PreprocessingCase {
	name: string;
	file: string;
	what: string;
	crop: string;
	logits: number[];
}
const FIXTURES = path.join(__dirname, '../../test/fixtures');
const fixture = JSON.parse(
	fs.readFileSync(path.join(FIXTURES, 'preprocessing/torchvision.json'), 'utf8'),
) as {
	resize: number;
	crop: number;
	numClasses: number;
	cases: PreprocessingCase[];
	bicubic: (Omit<PreprocessingCase, 'logits'> & { resize: number })[];
};

/** Our normalised pixels back in levels of 255 (the inverse of the normalisation the decoder applies). */
function levels(normalised: Float32Array): Float32Array {
	const { mean, std } = IMAGENET_NORMALIZATION;
	return normalised.map((v, i) => (v * std[i % 3] + mean[i % 3]) * 255);
}

async function torchvisionPixels(crop: string): Promise<Uint8Array> {
	const { data, info } = await sharp(path.join(FIXTURES, crop))
		.raw()
		.toBuffer({ resolveWithObject: true });
	assert.equal(info.channels, 3);
	return data;
}

function ours(
	file: string,
	resampler?: Resampler,
	resizeSize = fixture.resize,
): Promise<Float32Array> {
	return loadImageTensorData(path.join(FIXTURES, file), {
		mode: 'eval',
		cropSize: fixture.crop,
		resizeSize,
		resampler,
	});
}

function meanAndMax(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; max: number } {
	assert.equal(a.length, b.length);
	let sum = 0;
	let max = 0;
	for (let i = 0; i < a.length; i++) {
		const d = Math.abs(a[i] - b[i]);
		sum += d;
		max = Math.max(max, d);
	}
	return { mean: sum / a.length, max };
}

describe('evaluation preprocessing matches torchvision (Resize(256) + CenterCrop(224), PIL bilinear)', () => {
	for (const c of fixture.cases) {
		it(`${c.name} (${c.what}): mean pixel difference ≤ 0.5 levels of 255`, async () => {
			const diff = meanAndMax(levels(await ours(c.file)), await torchvisionPixels(c.crop));
			assert.ok(
				diff.mean <= 0.5,
				`mean ${diff.mean.toFixed(3)} levels (max ${diff.max.toFixed(1)})`,
			);
		});
	}

	for (const c of fixture.bicubic) {
		it(`${c.name} (${c.what}): timm's bicubic resize, mean difference ≤ 0.5 levels`, async () => {
			const diff = meanAndMax(
				levels(await ours(c.file, 'pil-bicubic', c.resize)),
				await torchvisionPixels(c.crop),
			);
			assert.ok(
				diff.mean <= 0.5,
				`mean ${diff.mean.toFixed(3)} levels (max ${diff.max.toFixed(1)})`,
			);
		});
	}

	it("differs from sharp's resize, which model files of 0.1.x keep (the check can fail)", async () => {
		const c = fixture.cases.find((x) => x.name === 'photo128')!;
		const diff = meanAndMax(levels(await ours(c.file, 'sharp')), await torchvisionPixels(c.crop));
		assert.ok(diff.mean > 0.5, `sharp's mean difference ${diff.mean.toFixed(3)}`);
	});

	it("follows torchvision's size rules: longer side truncated, crop offset rounded half to even", () => {
		assert.deepEqual(torchvisionResizeSize(640, 428, 256), { width: 382, height: 256 });
		assert.deepEqual(torchvisionResizeSize(46, 70, 256), { width: 256, height: 389 });
		assert.equal(torchvisionCropOffset(341, 224), 58); // round(58.5) = 58 in Python 3
		assert.equal(torchvisionCropOffset(343, 224), 60); // round(59.5) = 60
		assert.equal(torchvisionCropOffset(256, 224), 16);
	});
});

describe('logits of the seeded 1,000-class ResNet-18 on our preprocessing match torch on torchvision’s', () => {
	let model: ResNet18;
	beforeAll(async () => {
		await testBackend();
		model = ResNet18.fromStateDict(goldenStateDict(fixture.numClasses));
	});
	afterAll(() => model?.dispose());

	for (const c of fixture.cases) {
		it(`${c.name}: logits within 0.02`, async () => {
			const input = await ours(c.file);
			const logits = tf.tidy(() =>
				model.forward(tf.tensor4d(input, [1, fixture.crop, fixture.crop, 3])).dataSync(),
			);
			const diff = meanAndMax(logits, c.logits);
			assert.ok(diff.max <= 0.02, `max logit difference ${diff.max.toFixed(4)}`);
		});
	}
});
