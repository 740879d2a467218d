import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

export const RESPOND_TYPE = 'n8n-nodes-base.respondToWebhook';

/**
 * Stands in for n8n's Respond to Webhook (n8n-nodes-base is not installed) under its type name, for "Respond With:
 * JSON" only: it evaluates the workflow's Response Body and Response Code as n8n would (for the first item) and puts
 * out the answer, `{ statusCode, body }`, that the caller of the webhook would get.
 */
export class RespondStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Respond to Webhook (test stand-in)',
		name: RESPOND_TYPE,
		group: ['transform'],
		version: [1, 1.1],
		description: 'Puts out the webhook answer (tests only)',
		defaults: { name: 'Respond to Webhook' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{ displayName: 'Respond With', name: 'respondWith', type: 'string', default: 'json' },
			{ displayName: 'Response Body', name: 'responseBody', type: 'json', default: '{}' },
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				default: {},
				options: [
					{ displayName: 'Response Code', name: 'responseCode', type: 'number', default: 200 },
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		if (this.getNodeParameter('respondWith', 0) !== 'json')
			throw new NodeOperationError(
				this.getNode(),
				'the stand-in answers "Respond With: JSON" only',
			);
		const raw = this.getNodeParameter('responseBody', 0) as IDataObject | string;
		const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as IDataObject;
		const { responseCode } = this.getNodeParameter('options', 0) as { responseCode?: number };
		return [[{ json: { statusCode: responseCode ?? 200, body }, pairedItem: { item: 0 } }]];
	}
}
