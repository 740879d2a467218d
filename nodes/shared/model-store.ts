import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IDisplayOptions,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeProperties,
} from 'n8n-workflow';
import { openModelStore, type ModelStore, type ModelStoreConfig } from '../../lib';
import { modelsFolder } from './n8n-folders';

/**
 * The ResNet Model Store credential, shared by Train, Evaluate and Classify (each node names it in its description as
 * a literal: n8n's lint rules read credentials there), and its test.
 */
export const MODEL_STORE_CREDENTIAL = 'resNetModelStoreApi';
export const MODEL_STORE_TEST = 'resNetModelStoreTest';

export function useModelStoreProperty(
	show?: NonNullable<IDisplayOptions['show']>,
): INodeProperties {
	return {
		displayName: 'Use Model Store Credential',
		name: 'useModelStore',
		type: 'boolean',
		default: false,
		...(show ? { displayOptions: { show } } : {}),
		description:
			"Whether named models live in a ResNet Model Store (a shared folder or Postgres) that every worker reaches: needed in queue mode with workers on several hosts. Off: this host's folder (~/.n8n/resnet18/models, or RESNET18_MODELS_FOLDER).",
	};
}

function configFrom(data: ICredentialDataDecryptedObject): ModelStoreConfig {
	if (data.backend === 'postgres') {
		return {
			backend: 'postgres',
			host: String(data.host ?? ''),
			port: Number(data.port ?? 5432),
			database: String(data.database ?? ''),
			user: String(data.user ?? ''),
			password: String(data.password ?? ''),
			schema: String(data.schema ?? '') || 'resnet18',
			ssl: data.ssl === true,
		};
	}
	return { backend: 'folder', folder: String(data.folder ?? '') };
}

/** The store an item's named model lives in: the credential's when set, else this host's models folder. */
export async function storeFor(ctx: IExecuteFunctions, itemIndex: number): Promise<ModelStore> {
	if (ctx.getNodeParameter('useModelStore', itemIndex, false) !== true)
		return openModelStore({
			backend: 'folder',
			folder: modelsFolder(),
			setting: process.env.RESNET18_MODELS_FOLDER?.trim() ? 'RESNET18_MODELS_FOLDER' : 'modelStore',
		});
	const data = await ctx.getCredentials(MODEL_STORE_CREDENTIAL, itemIndex);
	return openModelStore(configFrom(data));
}

/** "Test" in the credential dialog: connect (or open the folder) and create the store's tables if missing. */
export async function testModelStore(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	try {
		const store = openModelStore(configFrom(credential.data ?? {}));
		await store.checkWritable('connection-test');
		return { status: 'OK', message: `Connected: ${store.description}` };
	} catch (error) {
		return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
	}
}
