import type { IExecuteFunctions } from 'n8n-workflow';
import { binaryInput } from '../shared/binary-input';
import {
	InvalidParameterError,
	isPretrainedSource,
	PRETRAINED_SOURCE_NAMES,
	readWeights,
	readWeightsFile,
	type StateDict,
} from '../../lib';
import { userPath } from '../shared/file-access';
import { downloadPretrained } from '../shared/pretrained-download';

/** The starting weights the Pretrained Weights parameter asks for, or undefined for training from scratch. */
export async function pretrainedWeights(
	ctx: IExecuteFunctions,
	itemIndex: number,
): Promise<StateDict | undefined> {
	const choice = ctx.getNodeParameter('pretrained', itemIndex) as string;
	if (choice === 'none') return undefined;
	if (choice === 'file')
		return readWeightsFile(
			await userPath(ctx, ctx.getNodeParameter('weightsFile', itemIndex), 'weightsFile', itemIndex),
		);
	if (choice === 'binary') {
		// A weights file that arrived in the workflow (HTTP Request from an artifact server, Read Files, a Merge).
		const property = ctx.getNodeParameter('weightsBinaryProperty', itemIndex) as string;
		const { data, fileName } = await binaryInput(ctx, itemIndex, property, 'weightsBinaryProperty');
		return readWeights(data, fileName);
	}
	if (!isPretrainedSource(choice))
		throw new InvalidParameterError(
			'pretrained',
			`must be one of ${[...PRETRAINED_SOURCE_NAMES, 'file', 'binary', 'none'].join(', ')}, got ${JSON.stringify(choice)}`,
		);
	return readWeightsFile(await downloadPretrained(ctx, itemIndex, choice));
}
