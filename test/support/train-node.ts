import type { IDataObject, INodeParameters } from 'n8n-workflow';
import type { TestNode } from './n8n-run';

/**
 * A Train ResNet-18 node that trains in seconds: from scratch, 32 px, one epoch of batch 4 at 1e-3, whole network.
 * `options` go into its Options collection beside the 32 px image size.
 */
export function quickTrainNode(
	modelName: string,
	options: IDataObject = {},
	parameters: INodeParameters = {},
): TestNode {
	return {
		name: 'Train ResNet-18',
		type: 'n8n-nodes-resnet18.trainResNet18',
		parameters: {
			modelName,
			preset: 'manual',
			batchSize: 4,
			epochs: 1,
			learningRate: 0.001,
			evalSteps: 1,
			pretrained: 'none',
			fineTune: 'full',
			device: 'auto',
			options: { imageSize: 32, ...options },
			...parameters,
		},
	};
}
