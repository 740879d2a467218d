import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { checkModelName, InvalidParameterError } from '../../lib';
import { storeFor } from '../shared/model-store';

/**
 * Set Live Version: make a saved version of a named model the one that serves (a rollback, or a version the publish
 * check kept back), in the same store Train saves to. Every worker's Classify Image and Evaluate ask the store for
 * the live version on each execution, so the change needs no restart; `resnet18 models live` does the same.
 */
export async function setLiveItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const name = checkModelName(ctx.getNodeParameter('modelName', itemIndex), 'modelName');
	const raw = ctx.getNodeParameter('liveVersion', itemIndex);
	const version = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
	if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
		throw new InvalidParameterError(
			'liveVersion',
			`must be a whole number ≥ 1, got ${JSON.stringify(raw)}`,
		);
	const store = await storeFor(ctx, itemIndex);
	const saved = (await store.listVersions(name)).map((v) => v.version);
	if (!saved.includes(version))
		throw new InvalidParameterError(
			'liveVersion',
			`model "${name}" has no version ${version} in ${store.description} (${saved.length ? `saved: ${saved.map((v) => `v${v}`).join(', ')}` : 'none saved'})`,
		);
	const result = await store.publish(name, version, 'set');
	return {
		json: {
			operation: 'setLive',
			model: {
				name,
				liveVersion: result.live,
				previousLiveVersion: result.previous,
				store: store.description,
			},
		},
		pairedItem: { item: itemIndex },
	};
}
