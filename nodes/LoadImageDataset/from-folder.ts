import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { manifestFromFolder } from '../../lib';
import { userPath } from '../shared/file-access';
import { readLoadOptions } from './load-options';
import { summarize } from './summary';

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
	return { json: manifest as unknown as IDataObject, pairedItem: { item: itemIndex } };
}
