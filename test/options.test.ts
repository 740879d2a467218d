import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Command } from 'commander';
import type { INodeProperties, INodeType } from 'n8n-workflow';
import { buildProgram } from '../lib/cli/main';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { InvalidParameterError } from '../lib/errors';
import { evaluate } from '../lib/eval/evaluate';
import { classify } from '../lib/infer/classify';
import type { TrainedModel } from '../lib/model-file/model-file';
import { MODEL_FORMAT } from '../lib/model-file/metadata';
import { ResNet18 } from '../lib/model/resnet18';
import { CLASSIFY_OPTIONS } from '../lib/options/classify';
import { DATASET_OPTIONS } from '../lib/options/dataset';
import { EVALUATE_OPTIONS } from '../lib/options/evaluate';
import { EXPORT_OPTIONS } from '../lib/options/export';
import { checkOption, type OptionTable } from '../lib/options/option';
import { TRAIN_OPTIONS } from '../lib/options/train';
import {
	checkRange,
	resolveTrainOptions,
	TRAIN_DEFAULTS,
	TRAIN_RANGES,
} from '../lib/train/options';
import { testBackend } from './support/backend';
import { CURRENT_PREPROCESSING } from '../lib/data/preprocessing';

const rejects = (parameter: string) => (e: unknown) =>
	e instanceof InvalidParameterError && e.parameter === parameter;

describe('the rule every option value passes', () => {
	it('fills in the default when nothing (undefined or null) arrived', () => {
		assert.equal(checkOption(TRAIN_OPTIONS.epochs, 'epochs', undefined), 1);
		assert.equal(checkOption(TRAIN_OPTIONS.epochs, 'epochs', null), 1);
	});

	it('refuses, naming the parameter as given, a wrong type, a fraction for a whole number, a value out of range', () => {
		for (const value of ['5', Number.NaN, Infinity, true])
			assert.throws(
				() => checkOption(TRAIN_OPTIONS.epochs, '--epochs', value),
				rejects('--epochs'),
			);
		assert.throws(
			() => checkOption(TRAIN_OPTIONS.epochs, 'epochs', 2.5),
			/"epochs": must be a whole number between 1 and 50, got 2.5/,
		);
		assert.throws(
			() => checkOption(TRAIN_OPTIONS.epochs, 'epochs', 51),
			/"epochs": must be between 1 and 50, got 51/,
		);
		assert.throws(
			() => checkOption(EVALUATE_OPTIONS.maxMisclassified, 'maxMisclassified', -1),
			/must be at least 0, got -1/,
		);
	});

	it('keeps 0.00001 typed in an editor inside the learning-rate range, though it may arrive a hair below', () => {
		assert.equal(
			checkOption(TRAIN_OPTIONS.learningRate, 'learningRate', 1e-5 - 5e-15),
			1e-5 - 5e-15,
		);
	});

	it('accepts only listed choices, and the values of earlier versions that stand for one', () => {
		assert.equal(checkOption(TRAIN_OPTIONS.optimizer, 'optimizer', 'adamw'), 'adamw');
		assert.throws(
			() => checkOption(TRAIN_OPTIONS.optimizer, 'optimizer', 'rmsprop'),
			/must be one of adam, adamw, sgd, got "rmsprop"/,
		);
		assert.equal(checkOption(TRAIN_OPTIONS.augment, 'augment', true), 'standard');
		assert.equal(checkOption(TRAIN_OPTIONS.augment, 'augment', false), 'none');
		assert.throws(
			() => checkOption(TRAIN_OPTIONS.keepBest, 'keepBest', 'yes'),
			rejects('keepBest'),
		);
	});

	it('checks a value the editor shows scaled (a percentage) against the scaled range, and returns it unscaled', () => {
		assert.equal(checkOption(DATASET_OPTIONS.validationSplit, 'validationSplit', 20, 100), 0.2);
		assert.throws(
			() => checkOption(DATASET_OPTIONS.validationSplit, 'validationSplit', 70, 100),
			/must be between 0 and 50, got 70/,
		);
	});
});

describe('the training options', () => {
	it("have the model card's defaults and ranges", () => {
		const card = {
			batchSize: { default: 8, min: 1, max: 128 },
			epochs: { default: 1, min: 1, max: 50 },
			learningRate: { default: 5e-5, min: 1e-5, max: 1e-3 },
			evalSteps: { default: 1, min: 1 },
		};
		for (const [name, want] of Object.entries(card)) {
			const spec = TRAIN_OPTIONS[name as keyof typeof card];
			assert.equal(spec.default, want.default, name);
			assert.equal(spec.min, want.min, name);
			if ('max' in want) assert.equal(spec.max, want.max, name);
			assert.equal(TRAIN_DEFAULTS[name as keyof typeof card], want.default);
		}
	});

	it('resolve into one typed object: the given values, checked, over the defaults', () => {
		const options = resolveTrainOptions({ epochs: 3, optimizer: 'sgd', augment: false });
		assert.equal(options.epochs, 3);
		assert.equal(options.optimizer, 'sgd');
		assert.equal(options.augment, 'none');
		assert.equal(options.batchSize, 8);
		assert.deepEqual(Object.keys(options).sort(), Object.keys(TRAIN_DEFAULTS).sort());
		assert.ok(
			!('includeModelBinary' in options),
			"the Train node's publishing is no training option",
		);
	});

	it('keep TRAIN_RANGES and checkRange of earlier versions, from the table', () => {
		assert.deepEqual(TRAIN_RANGES.batchSize, { min: 1, max: 128, integer: true });
		assert.deepEqual(TRAIN_RANGES.learningRate, { min: 1e-5, max: 1e-3, integer: false });
		assert.equal(checkRange('batchSize', 16), 16);
		assert.throws(() => checkRange('batchSize', 129), rejects('batchSize'));
	});
});

// The compiled nodes, as n8n loads them.
function nodeProperties(node: string): INodeProperties[] {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const exports = require(path.join(__dirname, '../nodes', node, `${node}.node.js`)) as Record<
		string,
		new () => INodeType
	>;
	return new exports[node]().description.properties;
}

const nodeTables: [string, OptionTable][] = [
	['TrainResNet18', TRAIN_OPTIONS],
	['EvaluateResNet18', EVALUATE_OPTIONS],
	['ClassifyImage', CLASSIFY_OPTIONS],
	['LoadImageDataset', DATASET_OPTIONS],
];

describe("the nodes' properties", () => {
	it.each(nodeTables)(
		'of %s are the table: name, place, default, range and advice',
		(node, table) => {
			const properties = nodeProperties(node);
			const collection = properties.find((p) => p.name === 'options')?.options as INodeProperties[];
			for (const [name, spec] of Object.entries(table)) {
				if (!spec.node) continue;
				const property = (spec.node.collection ? collection : properties).find(
					(p) => p.name === name,
				);
				assert.ok(
					property,
					`${node}: ${name} ${spec.node.collection ? 'in Options' : 'at the top'}`,
				);
				assert.equal(property.displayName, spec.node.displayName);
				const scale = spec.node.scale ?? 1;
				if (spec.type === 'number' || spec.type === 'integer') {
					assert.equal(property.type, 'number');
					assert.equal(property.typeOptions?.minValue, spec.min * scale, `${name} min`);
					assert.equal(property.typeOptions?.maxValue, spec.max && spec.max * scale, `${name} max`);
				}
				if (spec.default !== undefined)
					assert.equal(
						property.default,
						typeof spec.default === 'number' ? spec.default * scale : spec.default,
						`${name} default`,
					);
				if (spec.type === 'choice')
					assert.deepEqual(
						(property.options as { value: string }[]).map((o) => o.value),
						Object.keys(spec.choices),
					);
				assert.equal(property.description, spec.node.description ?? spec.description);
			}
		},
	);
});

function command(name: string): Command {
	return buildProgram().commands.find((c) => c.name() === name)!;
}

describe("the CLI's flags", () => {
	it.each([
		['train', TRAIN_OPTIONS],
		['evaluate', EVALUATE_OPTIONS],
		['classify', CLASSIFY_OPTIONS],
		['dataset', DATASET_OPTIONS],
		['export-onnx', EXPORT_OPTIONS],
	] as [string, OptionTable][])('of %s are the table: flag, default', (name, table) => {
		const options = command(name).options;
		for (const spec of Object.values(table)) {
			if (!spec.cli) continue;
			const option = options.find((o) => o.flags === spec.cli!.flag);
			assert.ok(option, `${name} ${spec.cli.flag}`);
			if (!option.negate) assert.equal(option.defaultValue, spec.default, spec.cli.flag);
		}
	});
});

describe('a library call', () => {
	let model: TrainedModel;
	beforeAll(async () => {
		await testBackend();
		model = {
			network: ResNet18.initialize(2, 0),
			metadata: {
				format: MODEL_FORMAT,
				architecture: 'resnet18',
				classes: ['a', 'b'],
				inputSize: 32,
				resizeSize: 37,
				preprocessing: CURRENT_PREPROCESSING,
				normalization: IMAGENET_NORMALIZATION,
				packageVersion: 'test',
				createdAt: new Date(0).toISOString(),
			},
		};
	});

	it('refuses top K 0 in evaluate() and classify() alike, by the table rule', async () => {
		await assert.rejects(
			evaluate(model, [], { topK: 0 }),
			/"topK": must be between 1 and 1000, got 0/,
		);
		await assert.rejects(
			classify(model, [], { topK: 0 }),
			/"topK": must be between 1 and 1000, got 0/,
		);
		await assert.rejects(classify(model, [], { threshold: 2 }), rejects('threshold'));
		await assert.rejects(evaluate(model, [], { batchSize: 0 }), rejects('batchSize'));
	});
});
