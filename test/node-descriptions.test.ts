import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { INodeProperties, INodeType } from 'n8n-workflow';

// The compiled package as n8n loads it: the files package.json's n8n block lists, under dist/.
const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
	name: string;
	n8n: { nodes: string[]; credentials: string[] };
};

function loadNode(file: string): INodeType {
	// By file path, as n8n's loader does; the paths come from package.json at run time.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const exports = require(path.join(root, file)) as Record<string, new () => INodeType>;
	const [name] = path.basename(file).split('.');
	return new exports[name]();
}

const nodes = pkg.n8n.nodes.map((file) => ({ file, node: loadNode(file) }));
const byName = (name: string) =>
	nodes.find((n) => n.node.description.name === name)!.node.description;
const property = (properties: INodeProperties[], name: string) => {
	const found = properties.find((p) => p.name === name);
	assert.ok(found, `parameter ${name}`);
	return found;
};

describe('the package as n8n loads it', () => {
	it('lists four nodes, each with its icons and codex file beside the compiled code', () => {
		assert.deepEqual(
			nodes.map((n) => n.node.description.displayName),
			['Load Image Dataset', 'Train ResNet-18', 'Evaluate ResNet-18', 'Classify Image'],
		);
		for (const { file, node } of nodes) {
			const dir = path.join(root, path.dirname(file));
			const icon = node.description.icon as { light: string; dark: string };
			for (const variant of [icon.light, icon.dark])
				assert.ok(
					fs.existsSync(path.join(dir, variant.replace(/^file:/, ''))),
					`${file}: ${variant}`,
				);
			const codex = JSON.parse(
				fs.readFileSync(path.join(root, file.replace(/\.js$/, '.json')), 'utf8'),
			) as { node: string };
			assert.equal(codex.node, `${pkg.name}.${node.description.name}`);
		}
	});

	it('lists its two credentials, loadable with their icons: the weights source (Train only) and the model store (Train, Evaluate, Classify)', () => {
		type CredentialClass = new () => {
			name: string;
			icon: { light: string; dark: string };
			properties: { name: string }[];
		};
		const credentials = new Map<string, InstanceType<CredentialClass>>();
		for (const file of pkg.n8n.credentials) {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const exports = require(path.join(root, file)) as Record<string, CredentialClass>;
			const credential = new (Object.values(exports)[0])();
			for (const icon of [credential.icon.light, credential.icon.dark])
				assert.ok(fs.existsSync(path.join(root, path.dirname(file), icon.replace(/^file:/, ''))));
			credentials.set(credential.name, credential);
		}
		assert.deepEqual([...credentials.keys()].sort(), [
			'resNetModelStoreApi',
			'resNetWeightsSourceApi',
		]);
		assert.deepEqual(
			credentials.get('resNetWeightsSourceApi')?.properties.map((p) => p.name),
			['baseUrl', 'token'],
		);
		assert.deepEqual(
			credentials.get('resNetModelStoreApi')?.properties.map((p) => p.name),
			['backend', 'folder', 'host', 'port', 'database', 'user', 'password', 'schema', 'ssl'],
		);
		const train = byName('trainResNet18');
		assert.deepEqual(
			train.credentials?.map((c) => [c.name, c.displayOptions?.show]),
			[
				['resNetModelStoreApi', { useModelStore: [true] }],
				['resNetWeightsSourceApi', { useWeightsSource: [true] }],
			],
		);
		for (const node of ['evaluateResNet18', 'classifyImage'])
			assert.deepEqual(
				byName(node)
					.credentials?.filter((c) => c.name === 'resNetModelStoreApi')
					.map((c) => [c.testedBy, c.displayOptions?.show]),
				[['resNetModelStoreTest', { modelSource: ['named'], useModelStore: [true] }]],
				node,
			);
		assert.equal(property(train.properties, 'pretrained').default, 'imagenet-torchvision');
	});

	it('shows Train ResNet-18 with the model card defaults and ranges, enforced by the editor', () => {
		const properties = byName('trainResNet18').properties;
		const expected = {
			batchSize: { default: 8, minValue: 1, maxValue: 128, advice: '4–8 on CPU' },
			epochs: { default: 1, minValue: 1, maxValue: 50, advice: '15–30 for 100–1,000' },
			learningRate: {
				default: 0.00005,
				minValue: 0.00001,
				maxValue: 0.001,
				advice: '0.00005 for standard fine-tuning',
			},
			evalSteps: { default: 1, minValue: 1, maxValue: 50, advice: 'Keep 1' },
		};
		for (const [name, want] of Object.entries(expected)) {
			const p = property(properties, name);
			assert.equal(p.type, 'number');
			assert.equal(p.default, want.default, `${name} default`);
			assert.equal(p.typeOptions?.minValue, want.minValue, `${name} min`);
			assert.equal(p.typeOptions?.maxValue, want.maxValue, `${name} max`);
			assert.ok(
				p.description?.includes(want.advice),
				`${name} description carries the model card's advice`,
			);
		}
		assert.equal(
			property(properties, 'learningRate').typeOptions?.numberPrecision,
			5,
			'the editor can show 0.00001',
		);
		assert.deepEqual(
			(property(properties, 'device').options as { value: string }[]).map((o) => o.value),
			['auto', 'gpu', 'cpu-native', 'wasm', 'js'],
		);
	});

	it('gives Classify Image top K 3 and an optional threshold, reading the image from "data" by default', () => {
		const properties = byName('classifyImage').properties;
		assert.equal(property(properties, 'topK').default, 3);
		assert.equal(property(properties, 'threshold').default, 0);
		assert.equal(property(properties, 'imageBinaryProperty').default, 'data');
		assert.equal(property(properties, 'modelBinaryProperty').default, 'model');
	});

	it('gives Load Image Dataset a 0–50 % validation split defaulting to 20', () => {
		const options = property(byName('loadImageDataset').properties, 'options')
			.options as INodeProperties[];
		const split = options.find((o) => o.name === 'validationSplit')!;
		assert.equal(split.default, 20);
		assert.deepEqual([split.typeOptions?.minValue, split.typeOptions?.maxValue], [0, 50]);
	});
});
