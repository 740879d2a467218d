import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { errorJson, toNodeError } from './node-errors';

/**
 * Run `handle` for every input item. A failing item stops the node with an error naming the item, or, with
 * Continue On Fail, becomes an error item while the others go on.
 */
export async function forEachItem(
	ctx: IExecuteFunctions,
	handle: (
		itemIndex: number,
		item: INodeExecutionData,
	) => Promise<INodeExecutionData | INodeExecutionData[]>,
): Promise<INodeExecutionData[]> {
	const items = ctx.getInputData();
	const out: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const result = await handle(i, items[i]);
			out.push(...(Array.isArray(result) ? result : [result]));
		} catch (error) {
			out.push(failedItem(ctx, error, i));
		}
	}
	return out;
}

/**
 * The error item for Continue On Fail; rethrows (as a NodeOperationError naming the item) otherwise. The item carries
 * the error itself too: with "On Error: Continue (using error output)" n8n routes items by it, as the JSON holds more
 * than the `error` and `message` fields n8n would recognise on their own.
 */
export function failedItem(
	ctx: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
): INodeExecutionData {
	const nodeError = toNodeError(ctx.getNode(), error, itemIndex);
	if (!ctx.continueOnFail()) throw nodeError;
	return { json: errorJson(nodeError), error: nodeError, pairedItem: { item: itemIndex } };
}
