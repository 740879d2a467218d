import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import * as path from 'node:path';
import { isInside, modelsFolder, packageFolder } from './n8n-folders';

/**
 * A path typed by the user, checked against n8n's file-access restrictions (`N8N_RESTRICT_FILE_ACCESS_TO`,
 * `N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES`) the way n8n's own Read/Write Files node checks them. This package's own
 * folders (models, datasets) are always allowed: the nodes wrote them.
 */
export async function userPath(
	ctx: IExecuteFunctions,
	value: unknown,
	parameter: string,
	itemIndex: number,
): Promise<string> {
	if (typeof value !== 'string' || value.trim() === '') {
		throw new NodeOperationError(
			ctx.getNode(),
			`Parameter "${parameter}" needs a path on the n8n host, got ${JSON.stringify(value)}`,
			{ itemIndex },
		);
	}
	const absolute = path.resolve(value.trim());
	if (isInside(absolute, packageFolder()) || isInside(absolute, modelsFolder())) return absolute;
	const resolved = await ctx.helpers.resolvePath(absolute);
	if (ctx.helpers.isFilePathBlocked(resolved)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Access to "${value}" (parameter "${parameter}") is not allowed by this n8n instance`,
			{
				itemIndex,
				description:
					'n8n restricts which folders nodes may read. Add the folder to N8N_RESTRICT_FILE_ACCESS_TO (separate several with ";"), or move the files into an allowed folder.',
			},
		);
	}
	return resolved;
}
