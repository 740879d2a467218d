import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { manifestFromFolder } from '../../lib';
import { userPath } from '../shared/file-access';
import { readLoadOptions } from './load-options';
import { classWarnings, summarize } from './summary';

export async function manifestFromFolderItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = readLoadOptions(ctx, itemIndex);
	const folder = await userPath(
		ctx,
		ctx.getNodeParameter('folder', itemIndex),
		'folder',
		itemIndex,
	);
	const validationFolder = options.validationFolder
		? await userPath(ctx, options.validationFolder, 'validationFolder', itemIndex)
		: undefined;
	const manifest = await manifestFromFolder(folder, { ...options, validationFolder });
	ctx.logger.info(`Load Image Dataset: ${summarize(manifest)}`);
	// In the log and, where this n8n shows execution hints, above the output: an empty class is easy to miss in JSON.
	for (const warning of classWarnings(manifest)) {
		ctx.logger.warn(`Load Image Dataset: ${warning}`);
		if (typeof ctx.addExecutionHints === 'function')
			ctx.addExecutionHints({ message: warning, type: 'warning', location: 'outputPane' });
	}
	return { json: manifest as unknown as IDataObject, pairedItem: { item: itemIndex } };
}
