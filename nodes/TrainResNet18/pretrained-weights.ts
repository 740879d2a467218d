import type { IExecuteFunctions } from 'n8n-workflow';
import * as path from 'node:path';
import { ensurePretrained, readWeightsFile, type PretrainedSource, type StateDict } from '../../lib';
import { userPath } from '../shared/file-access';
import { packageFolder } from '../shared/n8n-folders';

/** Downloaded ImageNet weights live here (`RESNET18_WEIGHTS_CACHE` moves it), shared by every workflow. */
export function weightsCacheFolder(): string {
	return process.env.RESNET18_WEIGHTS_CACHE?.trim() || path.join(packageFolder(), 'weights');
}

/** The starting weights the Pretrained Weights parameter asks for, or undefined for training from scratch. */
export async function pretrainedWeights(ctx: IExecuteFunctions, itemIndex: number): Promise<StateDict | undefined> {
	const choice = ctx.getNodeParameter('pretrained', itemIndex) as string;
	if (choice === 'none') return undefined;
	if (choice === 'file') return readWeightsFile(await userPath(ctx, ctx.getNodeParameter('weightsFile', itemIndex), 'weightsFile', itemIndex));
	let baseUrl: string | undefined;
	let token: string | undefined;
	if (ctx.getNodeParameter('useWeightsSource', itemIndex, false) === true) {
		const credentials = await ctx.getCredentials<{ baseUrl?: string; token?: string }>('resNetWeightsSourceApi', itemIndex);
		baseUrl = credentials.baseUrl?.trim() || undefined;
		token = credentials.token?.trim() || undefined;
	}
	let reported = -1;
	const { file, downloaded } = await ensurePretrained(choice as PretrainedSource, {
		cacheFolder: weightsCacheFolder(),
		baseUrl,
		token,
		signal: ctx.getExecutionCancelSignal(),
		onProgress: ({ received, total }) => {
			if (!total) return;
			const tenth = Math.floor((received / total) * 10);
			if (tenth === reported) return;
			reported = tenth;
			const line = `Downloading ImageNet weights: ${tenth * 10} % of ${(total / 1e6).toFixed(0)} MB`;
			ctx.logger.info(line);
			if (ctx.getMode() === 'manual') ctx.sendMessageToUI(line);
		},
	});
	ctx.logger.info(`Train ResNet-18: ImageNet weights ${downloaded ? 'downloaded to' : 'from the cache'} ${file}`);
	return readWeightsFile(file);
}
