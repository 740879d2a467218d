import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { classifyItems } from './classify-items';
import { classifyProperties } from './properties';
import { MODEL_STORE_TEST, testModelStore } from '../shared/model-store';

export class ClassifyImage implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Classify Image',
		name: 'classifyImage',
		icon: { light: 'file:classifyImage.svg', dark: 'file:classifyImage.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{$parameter["modelSource"] === "named" ? $parameter["modelName"] : $parameter["modelSource"]}}',
		description:
			"Label images with a trained ResNet-18 classifier, or ImageNet's 1,000 classes without training: label, confidence and the top K classes",
		defaults: { name: 'Classify Image' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		// Only for downloading ImageNet weights through a mirror (Model Source "ImageNet", Use Weights Source Credential).
		credentials: [
			{
				name: 'resNetModelStoreApi',
				required: true,
				testedBy: 'resNetModelStoreTest',
				displayOptions: { show: { modelSource: ['named'], useModelStore: [true] } },
			},
			{
				name: 'resNetWeightsSourceApi',
				required: true,
				displayOptions: { show: { modelSource: ['imagenet'], useWeightsSource: [true] } },
			},
		],
		properties: classifyProperties,
	};

	methods = { credentialTest: { [MODEL_STORE_TEST]: testModelStore } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [await classifyItems(this)];
	}
}
