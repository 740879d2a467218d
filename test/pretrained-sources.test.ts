import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { resizeBeforeCrop } from '../lib/data/eval-crop';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import {
	evalPreprocessing,
	PRETRAINED_SOURCE_NAMES,
	PRETRAINED_SOURCES,
	WEIGHTS_SOURCE_CHOICES,
	type PretrainedSourceSpec,
} from '../lib/weights/pretrained-sources';
import { ClassifyImage } from '../nodes/ClassifyImage/ClassifyImage.node';
import { TrainResNet18 } from '../nodes/TrainResNet18/TrainResNet18.node';

const CLI = path.join(__dirname, '../lib/cli/main.js');

function options(properties: INodeProperties[], name: string): INodePropertyOptions[] {
	const property = properties.find((p) => p.name === name);
	assert.ok(property, `parameter ${name}`);
	return property.options as INodePropertyOptions[];
}

describe('the pretrained-source table', () => {
	it('gives every source a file, a URL, a licence, its preprocessing and its words', () => {
		assert.deepEqual(PRETRAINED_SOURCE_NAMES, ['imagenet-torchvision', 'imagenet-timm']);
		for (const source of PRETRAINED_SOURCE_NAMES) {
			const spec: PretrainedSourceSpec = PRETRAINED_SOURCES[source];
			assert.match(spec.url, /^https:\/\//, source);
			assert.ok(spec.file.length > 0 && !spec.file.includes('/'), `${source}: file name`);
			assert.match(spec.license, /^[A-Za-z0-9.-]+$/, `${source}: SPDX licence`);
			assert.match(spec.originUrl, /^https:\/\//, source);
			assert.ok(spec.top1 > 60 && spec.top1 < 80, `${source}: top-1`);
			assert.equal(spec.inputSize, 224, source);
			assert.ok(spec.cropPct > 0.5 && spec.cropPct <= 1, `${source}: crop_pct`);
			assert.equal(spec.cropMode, 'center');
			assert.equal(spec.normalization.mean.length, 3);
			assert.equal(spec.normalization.std.length, 3);
			assert.ok(spec.title.length > 0 && spec.ui.label.length > 0, source);
			assert.match(spec.ui.description, /downloaded once/, source);
			assert.ok(spec.cliName.length > 0, source);
			if (spec.sha256Prefix) assert.ok(spec.file.includes(spec.sha256Prefix), source);
		}
	});

	it("holds each source's own evaluation transform: torchvision Resize(256) → 224; timm a1 crop_pct 0.95", () => {
		const torchvision = PRETRAINED_SOURCES['imagenet-torchvision'];
		assert.equal(torchvision.sha256Prefix, 'f37072fd');
		assert.equal(torchvision.license, 'BSD-3-Clause');
		assert.deepEqual(evalPreprocessing('imagenet-torchvision'), {
			inputSize: 224,
			resizeSize: 256,
			preprocessing: 'torchvision/1',
			normalization: IMAGENET_NORMALIZATION,
		});
		const timm = PRETRAINED_SOURCES['imagenet-timm'];
		assert.equal(timm.hfHubId, 'timm/resnet18.a1_in1k');
		assert.equal(timm.license, 'Apache-2.0');
		assert.equal(timm.cropPct, 0.95);
		assert.equal(timm.testInputSize, 288);
		assert.equal(timm.testCropPct, 1.0);
		// timm: scale_size = math.floor(224 / 0.95)
		assert.deepEqual(evalPreprocessing('imagenet-timm'), {
			inputSize: 224,
			resizeSize: 235,
			preprocessing: 'pil-bicubic/1',
			normalization: IMAGENET_NORMALIZATION,
		});
	});

	it("scales torchvision's ratio to other sizes exactly as before, round(size · 256 / 224)", () => {
		for (let size = 16; size <= 1024; size++)
			assert.equal(resizeBeforeCrop(size), Math.round((size * 256) / 224), `size ${size}`);
	});

	it("is where Train ResNet-18's and Classify Image's weights options come from", () => {
		const expected = PRETRAINED_SOURCE_NAMES.map((source) => ({
			value: source,
			description: PRETRAINED_SOURCES[source].ui.description,
		}));
		const train = options(new TrainResNet18().description.properties, 'pretrained');
		assert.deepEqual(
			train
				.filter((o) => !['file', 'binary', 'none'].includes(o.value as string))
				.map((o) => ({ value: o.value, description: o.description })),
			expected,
		);
		assert.deepEqual(
			train.slice(0, 2).map((o) => o.name),
			['ImageNet (Torchvision)', 'ImageNet (Timm)'],
		);
		const classify = options(new ClassifyImage().description.properties, 'imagenetWeights');
		assert.deepEqual(
			classify.map((o) => ({ value: o.value, description: o.description })),
			expected,
		);
		assert.deepEqual(
			classify.map((o) => o.name),
			PRETRAINED_SOURCE_NAMES.map((source) => PRETRAINED_SOURCES[source].ui.label),
		);
	});

	it("is where the CLI's --weights-source choices come from", () => {
		assert.deepEqual(WEIGHTS_SOURCE_CHOICES, ['torchvision', 'timm']);
		const result = spawnSync(process.execPath, [CLI, 'classify', '--help'], { encoding: 'utf8' });
		assert.equal(result.status, 0, result.stderr);
		assert.match(
			result.stdout.replace(/\s+/g, ' '),
			new RegExp(`choices: ${WEIGHTS_SOURCE_CHOICES.map((c) => `"${c}"`).join(', ')}`),
		);
	});
});
