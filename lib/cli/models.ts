import { Command } from 'commander';
import { InvalidParameterError } from '../errors';
import type { ModelStore } from '../model-store/model-store';
import { closeModelStores, openModelStore, parseStoreLocation } from '../model-store/open-store';

/**
 * `resnet18 models list NAME` and `resnet18 models live NAME VERSION`: what a store holds, and a rollback, for
 * the same stores the nodes use (a folder, or the Postgres of the ResNet Model Store credential).
 */
function storeFrom(options: { store?: string; schema?: string }): ModelStore {
	const location =
		options.store ?? process.env.RESNET18_MODELS_STORE ?? process.env.RESNET18_MODELS_FOLDER;
	if (!location)
		throw new InvalidParameterError(
			'--store',
			'is required: a folder or postgres://user:password@host:5432/database (or set RESNET18_MODELS_STORE)',
		);
	const config = parseStoreLocation(location, '--store');
	return openModelStore(
		config.backend === 'postgres' && options.schema
			? { ...config, schema: options.schema }
			: config,
	);
}

function versionNumber(text: string): number {
	const version = Number(text.replace(/^v/, ''));
	if (!Number.isInteger(version) || version < 1)
		throw new InvalidParameterError(
			'VERSION',
			`must be a version number such as 3 or v0003, got "${text}"`,
		);
	return version;
}

async function withStore<T>(
	options: { store?: string; schema?: string },
	work: (store: ModelStore) => Promise<T>,
): Promise<T> {
	try {
		return await work(storeFrom(options));
	} finally {
		await closeModelStores();
	}
}

export function modelsCommand(): Command {
	const models = new Command('models').description(
		'List the versions of a named model in a model store, and choose the live one (rollback)',
	);
	const storeOptions = (command: Command) =>
		command
			.option('--store <location>', 'a folder, or postgres://user:password@host:port/database')
			.option('--schema <name>', 'the Postgres schema (default resnet18)');
	storeOptions(
		models
			.command('list <name>')
			.description('versions, their precisions and sizes, and which is live'),
	)
		.option('--json', 'print JSON')
		.action(async (name: string, options: { store?: string; schema?: string; json?: boolean }) =>
			withStore(options, async (store) => {
				const versions = await store.listVersions(name);
				const live = await store.liveVersion(name);
				if (options.json) {
					process.stdout.write(
						`${JSON.stringify({ name, store: store.description, live: live?.version ?? null, versions }, null, 2)}\n`,
					);
					return;
				}
				process.stdout.write(`${name} in ${store.description}\n`);
				if (versions.length === 0) process.stdout.write('  no versions\n');
				for (const v of versions)
					process.stdout.write(
						`${v.version === live?.version ? '* ' : '  '}v${String(v.version).padStart(4, '0')}  ${(v.bytes / 1e6).toFixed(1)} MB  ${v.precisions.join(', ')}\n`,
					);
				if (versions.length > 0 && !live) process.stdout.write('  (none is live)\n');
			}),
		);
	storeOptions(
		models
			.command('live <name> <version>')
			.description('make VERSION the one that serves (a rollback, or a kept-back version)'),
	).action(async (name: string, version: string, options: { store?: string; schema?: string }) =>
		withStore(options, async (store) => {
			const result = await store.publish(name, versionNumber(version), 'set');
			process.stdout.write(
				`${JSON.stringify({ name, store: store.description, live: result.live, previous: result.previous })}\n`,
			);
		}),
	);
	return models;
}
