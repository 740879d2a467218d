import * as path from 'node:path';
import { InvalidParameterError } from '../errors';
import { FolderModelStore } from './folder-store';
import type { ModelStore } from './model-store';
import { checkSchemaName, PostgresModelStore, type PostgresStoreConfig } from './postgres-store';

/** What the ResNet Model Store credential (and the CLI's `--store`) says: which backend, and where. */
export type ModelStoreConfig =
	| {
			readonly backend: 'folder';
			readonly folder: string;
			/** The setting that chose the folder, named in its errors (default `modelStore`). */
			readonly setting?: string;
	  }
	| ({ readonly backend: 'postgres' } & PostgresStoreConfig);

export const DEFAULT_SCHEMA = 'resnet18';

/**
 * `--store`: a folder path, or `postgres://user:password@host:port/database` (`?schema=…&ssl=true`). The CLI and
 * the tests name a store this way; the nodes take the credential's fields.
 */
export function parseStoreLocation(location: string, parameter = 'store'): ModelStoreConfig {
	const text = location.trim();
	if (text === '')
		throw new InvalidParameterError(parameter, 'is empty: give a folder or a postgres:// URL');
	if (!/^postgres(ql)?:\/\//.test(text)) return { backend: 'folder', folder: path.resolve(text) };
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new InvalidParameterError(parameter, `is not a valid postgres:// URL`);
	}
	const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
	if (!url.hostname || !database)
		throw new InvalidParameterError(
			parameter,
			'must name a host and a database: postgres://user:pw@host:5432/db',
		);
	return {
		backend: 'postgres',
		host: url.hostname,
		port: url.port ? Number(url.port) : 5432,
		database,
		user: decodeURIComponent(url.username),
		password: decodeURIComponent(url.password),
		schema: url.searchParams.get('schema') ?? DEFAULT_SCHEMA,
		ssl: url.searchParams.get('ssl') === 'true',
	};
}

export function checkStoreConfig(
	config: ModelStoreConfig,
	parameter = 'modelStore',
): ModelStoreConfig {
	if (config.backend === 'folder') {
		if (typeof config.folder !== 'string' || !path.isAbsolute(config.folder.trim()))
			throw new InvalidParameterError(
				`${parameter}.folder`,
				`must be an absolute path, got ${JSON.stringify(config.folder)}`,
			);
		return { ...config, folder: path.resolve(config.folder.trim()) };
	}
	if (config.backend !== 'postgres')
		throw new InvalidParameterError(
			`${parameter}.backend`,
			`must be "folder" or "postgres", got ${JSON.stringify((config as { backend: unknown }).backend)}`,
		);
	if (!config.host) throw new InvalidParameterError(`${parameter}.host`, 'is empty');
	if (!Number.isInteger(config.port) || config.port < 1 || config.port > 65535)
		throw new InvalidParameterError(
			`${parameter}.port`,
			`must be 1–65535, got ${JSON.stringify(config.port)}`,
		);
	if (!config.database) throw new InvalidParameterError(`${parameter}.database`, 'is empty');
	checkSchemaName(config.schema || DEFAULT_SCHEMA);
	return { ...config, schema: config.schema || DEFAULT_SCHEMA };
}

/**
 * Stores stay open for the process's life: an n8n worker serves many executions, and a Postgres store's pool
 * should be opened once, not per execution. The same settings give the same store.
 */
const open = new Map<string, ModelStore>();

export function openModelStore(config: ModelStoreConfig): ModelStore {
	const checked = checkStoreConfig(config);
	const key = JSON.stringify(checked);
	let store = open.get(key);
	if (!store) {
		store =
			checked.backend === 'folder'
				? new FolderModelStore(checked.folder, checked.setting)
				: new PostgresModelStore(checked);
		open.set(key, store);
	}
	return store;
}

/** Close every store opened by this process (the CLI before it exits, tests after each file). */
export async function closeModelStores(): Promise<void> {
	const stores = [...open.values()];
	open.clear();
	await Promise.all(stores.map((s) => s.close()));
}
