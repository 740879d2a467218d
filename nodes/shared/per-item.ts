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
 * The error item for Continue On Fail; rethrows (as a NodeOperationError naming the item) otherwise. With "On Error:
 * Continue (using error output)" the item carries the error itself too: n8n routes items by it, as the JSON holds more
 * than the `error` and `message` fields n8n would recognise on their own. n8n then rewrites such an item's JSON to
 * `{ error: message }`, so on the regular output the error is left off and the JSON keeps the file or parameter.
 */
export function failedItem(
	ctx: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
): INodeExecutionData {
	const nodeError = toNodeError(ctx.getNode(), error, itemIndex);
	if (!ctx.continueOnFail()) throw nodeError;
	const item: INodeExecutionData = { json: errorJson(nodeError), pairedItem: { item: itemIndex } };
	if (ctx.getNode().onError === 'continueErrorOutput') item.error = nodeError;
	return item;
}
