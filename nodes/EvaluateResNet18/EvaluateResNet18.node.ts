import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { forEachItem } from '../shared/per-item';
import { MODEL_STORE_TEST, testModelStore } from '../shared/model-store';
import { evaluateItem } from './evaluate-item';
import { evaluateProperties } from './properties';

export class EvaluateResNet18 implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Evaluate ResNet-18',
		name: 'evaluateResNet18',
		icon: { light: 'file:evaluateResNet18.svg', dark: 'file:evaluateResNet18.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{"on " + ($parameter["data"] === "folder" ? $parameter["folder"] : $parameter["split"] + " images")}}',
		description:
			'Measure a ResNet-18 classifier on labelled images: accuracy, per-class precision/recall/F1, confusion matrix, mistakes',
		defaults: { name: 'Evaluate ResNet-18' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [
			{
				name: 'resNetModelStoreApi',
				required: true,
				testedBy: 'resNetModelStoreTest',
				displayOptions: { show: { modelSource: ['named'], useModelStore: [true] } },
			},
		],
		properties: evaluateProperties,
	};

	methods = { credentialTest: { [MODEL_STORE_TEST]: testModelStore } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [await forEachItem(this, (itemIndex) => evaluateItem(this, itemIndex))];
	}
}
