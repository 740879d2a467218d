import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type {
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

/** One item the start node emits: its JSON, and files that become its binary properties. */
export interface EmittedItem {
	readonly json?: IDataObject;
	/** Binary property → a file on disk; its bytes go through n8n's binary-data service like an upload's. */
	readonly files?: Readonly<Record<string, { readonly file: string; readonly mimeType?: string }>>;
	/**
	 * Remove the stored bytes once stored (filesystem mode): what a worker on another host sees of an upload that
	 * the main instance kept on its own disk.
	 */
	readonly storedElsewhere?: boolean;
}

export const EMIT_ITEMS_TYPE = 'test.emitItems';

/**
 * The start of a test workflow, standing in for n8n's Manual Trigger (n8n-nodes-base is not installed): it emits
 * the items of its `items` parameter, their files stored with `prepareBinaryData` as a Webhook or Read Files does.
 */
export class EmitItems implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Emit Items',
		name: EMIT_ITEMS_TYPE,
		group: ['input'],
		version: 1,
		description: 'Emits the given items (tests only)',
		defaults: { name: 'Start' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const raw = this.getNodeParameter('items', 0);
		const items = (typeof raw === 'string' ? JSON.parse(raw) : raw) as EmittedItem[];
		const out: INodeExecutionData[] = [];
		for (const item of items) {
			const binary: IBinaryKeyData = {};
			for (const [property, { file, mimeType }] of Object.entries(item.files ?? {})) {
				binary[property] = await this.helpers.prepareBinaryData(
					await fs.readFile(file),
					path.basename(file),
					mimeType,
				);
				const id = binary[property].id;
				if (item.storedElsewhere && id) await fs.rm(this.helpers.getBinaryPath(id));
			}
			out.push({
				json: item.json ?? {},
				...(item.files ? { binary } : {}),
				pairedItem: { item: 0 },
			});
		}
		return [out];
	}
}
