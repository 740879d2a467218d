import type { IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import * as path from 'node:path';
import { ensurePretrained, type PretrainedSource } from '../../lib';
import { packageFolder } from './n8n-folders';

/** The switch that sends the download through the ResNet Weights Source credential (read by `downloadPretrained`). */
export function useWeightsSourceProperty(
	show: NonNullable<IDisplayOptions['show']>,
): INodeProperties {
	return {
		displayName: 'Use Weights Source Credential',
		name: 'useWeightsSource',
		type: 'boolean',
		default: false,
		displayOptions: { show },
		description:
			'Whether to download through a mirror or artifact server (ResNet Weights Source credential) instead of the public URL',
	};
}

/** Downloaded ImageNet weights live here (`RESNET18_WEIGHTS_CACHE` moves it), shared by every workflow and node. */
export function weightsCacheFolder(): string {
	return process.env.RESNET18_WEIGHTS_CACHE?.trim() || path.join(packageFolder(), 'weights');
}

/**
 * The path of `source`'s weight file in the cache, downloaded on first use: through the ResNet Weights Source
 * credential when the node's "Use Weights Source Credential" is on, with progress in the log (and in the editor
 * when run by hand). Train ResNet-18 and Classify Image share it, so both read the same cached file.
 */
export async function downloadPretrained(
	ctx: IExecuteFunctions,
	itemIndex: number,
	source: PretrainedSource,
): Promise<string> {
	let baseUrl: string | undefined;
	let token: string | undefined;
	if (ctx.getNodeParameter('useWeightsSource', itemIndex, false) === true) {
		const credentials = await ctx.getCredentials<{ baseUrl?: string; token?: string }>(
			'resNetWeightsSourceApi',
			itemIndex,
		);
		baseUrl = credentials.baseUrl?.trim() || undefined;
		token = credentials.token?.trim() || undefined;
	}
	let reported = -1;
	const { file, downloaded } = await ensurePretrained(source, {
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
	ctx.logger.info(
		`${ctx.getNode().name}: ImageNet weights ${downloaded ? 'downloaded to' : 'from the cache'} ${file}`,
	);
	return file;
}
