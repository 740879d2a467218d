import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { trainProperties } from './properties';
import { setLiveItem } from './set-live-item';
import { trainItem } from './train-item';
import { forEachItem } from '../shared/per-item';
import { MODEL_STORE_TEST, testModelStore } from '../shared/model-store';

export class TrainResNet18 implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Train ResNet-18',
		name: 'trainResNet18',
		icon: { light: 'file:trainResNet18.svg', dark: 'file:trainResNet18.dark.svg' },
		group: ['transform'],
		// 2: Include Model Binary is off by default (see properties.ts), and the Set Live Version operation.
		version: [1, 2],
		defaultVersion: 2,
		subtitle:
			'={{$parameter["operation"] === "setLive" ? "set live: " + $parameter["modelName"] + " v" + $parameter["liveVersion"] : $parameter["epochs"] + " epoch(s), batch " + $parameter["batchSize"]}}',
		description: 'Fine-tune a ResNet-18 image classifier on a dataset from Load Image Dataset',
		defaults: { name: 'Train ResNet-18' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [
			{
				name: 'resNetModelStoreApi',
				required: true,
				testedBy: 'resNetModelStoreTest',
				displayOptions: { show: { useModelStore: [true] } },
			},
			{
				name: 'resNetWeightsSourceApi',
				required: true,
				displayOptions: { show: { useWeightsSource: [true] } },
			},
		],
		properties: trainProperties,
	};

	methods = { credentialTest: { [MODEL_STORE_TEST]: testModelStore } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// Version 1 has no Operation parameter: it only trains.
		const operation =
			this.getNode().typeVersion >= 2 ? this.getNodeParameter('operation', 0, 'train') : 'train';
		return [
			await forEachItem(this, (itemIndex, item) =>
				operation === 'setLive' ? setLiveItem(this, itemIndex) : trainItem(this, itemIndex, item),
			),
		];
	}
}
