import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { failedItem, forEachItem } from '../shared/per-item';
import { manifestFromBinaryItems } from './from-binary-items';
import { manifestFromFolderItem } from './from-folder';
import { loadProperties } from './properties';

export class LoadImageDataset implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Load Image Dataset',
		name: 'loadImageDataset',
		icon: { light: 'file:loadImageDataset.svg', dark: 'file:loadImageDataset.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{$parameter["source"] === "folder" ? $parameter["folder"] : "from binary items"}}',
		description:
			'Scan labelled images (a folder of class subfolders, or binary items) into a dataset for Train ResNet-18',
		defaults: { name: 'Load Image Dataset' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		properties: loadProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		if (this.getNodeParameter('source', 0) === 'folder') {
			return [await forEachItem(this, (itemIndex) => manifestFromFolderItem(this, itemIndex))];
		}
		// Binary items make one dataset together: every item is one labelled image.
		try {
			return [[await manifestFromBinaryItems(this)]];
		} catch (error) {
			return [[failedItem(this, error, 0)]];
		}
	}
}
