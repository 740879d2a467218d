import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/**
 * An item's binary property as bytes, or an error that says which property of which item, and why it is likely
 * unreadable. In queue mode the bytes a webhook received live in n8n's binary-data store; with the `filesystem`
 * mode that is a folder on the host that received them, which a worker on another host cannot read, and n8n itself
 * only says "File not found".
 */
export async function binaryInput(
	ctx: IExecuteFunctions,
	itemIndex: number,
	property: string,
	parameter: string,
): Promise<{ data: Buffer; fileName: string }> {
	const item = ctx.getInputData()[itemIndex];
	const binary = item?.binary?.[property];
	if (!binary) {
		const present = Object.keys(item?.binary ?? {});
		throw new NodeOperationError(
			ctx.getNode(),
			`Item ${itemIndex} has no binary property "${property}" (parameter "${parameter}")`,
			{
				itemIndex,
				description: present.length
					? `Its binary properties are: ${present.map((p) => `"${p}"`).join(', ')}.`
					: 'It has no binary data at all: check the node before this one.',
			},
		);
	}
	const fileName = binary.fileName ?? `item ${itemIndex} binary "${property}"`;
	try {
		return { data: await ctx.helpers.getBinaryDataBuffer(itemIndex, property), fileName };
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		const where = binary.id ? ` (stored as ${binary.id.split(':')[0]})` : '';
		throw new NodeOperationError(
			ctx.getNode(),
			`Binary property "${property}" of item ${itemIndex} (${fileName}) cannot be read on this worker${where}: ${reason}`,
			{
				itemIndex,
				description:
					'In queue mode every worker must reach the binary data of the execution: set N8N_DEFAULT_BINARY_DATA_MODE=database (or s3) on the main instance and on every worker. The "filesystem" mode keeps the bytes on the host that received them, and n8n does not support it in queue mode.',
			},
		);
	}
}
