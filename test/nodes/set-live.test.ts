import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { NodeHelpers, type IDataObject, type INode, type INodeParameters } from 'n8n-workflow';
import { writeSyntheticDataset } from '../../lib';
import { openModelStore } from '../../lib/model-store/open-store';
import { TrainResNet18 } from '../../nodes/TrainResNet18/TrainResNet18.node';
import type { EmittedItem } from '../support/emit-items-node';
import { runWorkflow, start, startN8n, type Folders, type TestNode } from '../support/n8n-run';
import { quickTrainNode } from '../support/train-node';

const LOAD = 'n8n-nodes-resnet18.loadImageDataset';
const TRAIN = 'n8n-nodes-resnet18.trainResNet18';
const CLASSIFY = 'n8n-nodes-resnet18.classifyImage';
const MODEL = 'rollback';

function setLive(liveVersion: number | string, onError?: TestNode['onError']): TestNode {
	return {
		name: 'Set Live',
		type: TRAIN,
		typeVersion: 2,
		onError,
		parameters: { operation: 'setLive', modelName: MODEL, liveVersion },
	};
}

/**
 * Train ResNet-18 v2's Set Live Version, through n8n-core, in this host's models folder (RESNET18_MODELS_FOLDER):
 * a rollback of a model trained twice, that Classify Image by name serves from its next execution; a version that
 * is not saved fails its item only, naming "liveVersion" and what is saved. Version 1 has no Operation parameter.
 */
describe('Train ResNet-18 v2: Set Live Version', () => {
	let folders: Folders;
	let image: string;
	/** What Train put out, per run: the versions it saved and which was live after each. */
	const trained: IDataObject[] = [];

	beforeAll(async () => {
		folders = await startN8n();
		const root = path.join(folders.files, 'shapes');
		const classes = await writeSyntheticDataset(root, { classes: 2, perClass: 3, size: 32 });
		const fs = await import('node:fs');
		image = path.join(root, classes[0], fs.readdirSync(path.join(root, classes[0])).sort()[0]);
		// Tiny on purpose: these specs are about which version serves, not about accuracy.
		for (let run = 0; run < 2; run++) {
			const result = await runWorkflow({
				nodes: [
					start([{}]),
					{
						name: 'Load Image Dataset',
						type: LOAD,
						parameters: {
							source: 'folder',
							folder: root,
							options: { validationSplit: 34, seed: 1 },
						},
					},
					{
						...quickTrainNode(MODEL, { augment: 'none' }, { operation: 'train' }),
						typeVersion: 2,
					},
				],
			});
			assert.equal(result.error, undefined, result.error?.message);
			trained.push(result.output('Train ResNet-18')[0].json.model as IDataObject);
		}
	});

	it('after two trainings v2 is live; Set Live Version 1 makes v1 live again, says v2 was, and Classify Image by name serves v1 on its next execution', async () => {
		assert.deepEqual(
			trained.map((m) => [m.version, m.liveVersion]),
			[
				[1, 1],
				[2, 2],
			],
		);
		const result = await runWorkflow({ nodes: [start([{}]), setLive(1)] });
		assert.equal(result.error, undefined, result.error?.message);
		const out = result.output('Set Live');
		assert.equal(out.length, 1);
		assert.deepEqual(out[0].pairedItem, { item: 0 });
		assert.deepEqual(out[0].json, {
			operation: 'setLive',
			model: {
				name: MODEL,
				liveVersion: 1,
				previousLiveVersion: 2,
				store: `folder ${folders.models}`,
			},
		});
		const store = openModelStore({ backend: 'folder', folder: folders.models });
		assert.equal((await store.liveVersion(MODEL))?.version, 1, 'the store says v1 serves');
		assert.deepEqual(
			(await store.listVersions(MODEL)).map((v) => v.version),
			[1, 2],
			'nothing is deleted',
		);

		const classified = await runWorkflow({
			nodes: [
				start([{ json: {}, files: { data: { file: image } } }]),
				{
					name: 'Classify Image',
					type: CLASSIFY,
					parameters: {
						modelSource: 'named',
						modelName: MODEL,
						imageSource: 'binary',
						imageBinaryProperty: 'data',
						topK: 1,
						threshold: 0,
						device: 'auto',
						options: {},
					},
				},
			],
		});
		assert.equal(classified.error, undefined, classified.error?.message);
		assert.equal(classified.output('Classify Image')[0].json.modelVersion, 1);
	});

	it('a version that is not saved, or not a whole number, fails that item naming "liveVersion" (and what is saved); with Continue On Fail the good item goes on', async () => {
		const items: EmittedItem[] = [{ json: { v: 9 } }, { json: { v: 2 } }, { json: { v: 1.5 } }];
		const result = await runWorkflow({
			nodes: [start(items), setLive('={{ $json.v }}', 'continueRegularOutput')],
		});
		assert.equal(result.error, undefined, result.error?.message);
		const [missing, good, fraction] = result.output('Set Live');
		assert.equal(missing.json.parameter, 'liveVersion', JSON.stringify(missing.json));
		assert.match(String(missing.json.error), /"rollback" has no version 9 .*saved: v1, v2/);
		assert.deepEqual(missing.pairedItem, { item: 0 });
		assert.deepEqual((good.json.model as IDataObject).liveVersion, 2);
		assert.deepEqual(good.pairedItem, { item: 1 });
		assert.equal(fraction.json.parameter, 'liveVersion', JSON.stringify(fraction.json));
		assert.match(String(fraction.json.error), /whole number/);
		const store = openModelStore({ backend: 'folder', folder: folders.models });
		assert.equal((await store.liveVersion(MODEL))?.version, 2, 'only the good item moved it');

		const stopped = await runWorkflow({ nodes: [start([{}]), setLive(3)] });
		assert.ok(stopped.error, 'without Continue On Fail the run fails');
		assert.match(stopped.error.message, /"liveVersion".*no version 3/);
		assert.equal((await store.liveVersion(MODEL))?.version, 2, 'and the live version stays');
	});

	it('shows the Operation parameter on version 2 only; Set Live Version shows only its own parameters and the model store credential', () => {
		const description = new TrainResNet18().description;
		// The parameters the editor keeps (shown ones, with defaults), as it resolves them on every change.
		const resolved = (typeVersion: number, values: INodeParameters): INodeParameters =>
			NodeHelpers.getNodeParameters(
				description.properties,
				values,
				true,
				false,
				{ typeVersion },
				description,
			) ?? {};
		const shown = (typeVersion: number, values: INodeParameters) =>
			Object.keys(resolved(typeVersion, values));
		// Train's settings, left over when the operation is changed to Set Live Version.
		const leftOver = { useModelStore: true, useWeightsSource: true, pretrained: 'imagenet-timm' };

		// A version 1 node has no operation value: the editor never shows the parameter there.
		assert.ok(
			!NodeHelpers.displayParameter(
				{},
				description.properties.find((p) => p.name === 'operation')!,
				{ typeVersion: 1 },
				description,
			),
			'v1 does not show Operation',
		);
		const v1 = shown(1, leftOver);
		assert.ok(!v1.includes('operation'), v1.join());
		assert.ok(!v1.includes('liveVersion'), v1.join());
		for (const name of ['dataset', 'modelName', 'epochs', 'pretrained', 'device', 'options'])
			assert.ok(v1.includes(name), `v1 shows ${name}`);

		assert.deepEqual(shown(2, { operation: 'setLive', ...leftOver }), [
			'operation',
			'modelName',
			'liveVersion',
			'useModelStore',
		]);
		const train = shown(2, { operation: 'train', ...leftOver });
		assert.ok(!train.includes('liveVersion'), train.join());
		assert.deepEqual(
			train.filter((name) => !v1.includes(name)),
			['operation'],
			"v2's Train shows what v1 shows, and the Operation",
		);

		const credentials = (typeVersion: number, parameters: INodeParameters) => {
			const node: INode = {
				id: 'n',
				name: 'Train ResNet-18',
				type: TRAIN,
				typeVersion,
				position: [0, 0],
				parameters: resolved(typeVersion, parameters),
			};
			return [...(NodeHelpers.getActiveCredentialTypes(node, description) ?? [])].sort();
		};
		assert.deepEqual(credentials(2, { operation: 'setLive', ...leftOver }), [
			'resNetModelStoreApi',
		]);
		assert.deepEqual(credentials(2, { operation: 'train', ...leftOver }), [
			'resNetModelStoreApi',
			'resNetWeightsSourceApi',
		]);
		assert.deepEqual(credentials(1, leftOver), ['resNetModelStoreApi', 'resNetWeightsSourceApi']);
	});
});
