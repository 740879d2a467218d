/**
 * One writer process of the store fault specs: opens the store named on the command line, says "ready", waits for the
 * barrier file, then saves and publishes one version as a retrain does and prints what it got. Imports only the
 * store modules (no tfjs), so that dozens of these start quickly.
 *   node store-writer.js <folder|postgres://…> <model name> <tag> <barrier file>
 */
import * as fs from 'node:fs';
import {
	closeModelStores,
	openModelStore,
	parseStoreLocation,
} from '../../lib/model-store/open-store';
import { saveAndPublish } from '../../lib/model-store/publish-gate';

export const WRITER_BYTES = 64 * 1024;

async function main(): Promise<void> {
	const [location, name, tag, barrier] = process.argv.slice(2) as [string, string, string, string];
	const store = openModelStore(parseStoreLocation(location));
	await store.checkWritable(name);
	process.stdout.write('ready\n');
	while (!fs.existsSync(barrier)) await new Promise((r) => setTimeout(r, 2));
	const outcome = await saveAndPublish(store, name, Buffer.alloc(WRITER_BYTES, tag), 0.9, 0);
	process.stdout.write(
		`${JSON.stringify({ tag, version: outcome.saved.version, live: outcome.live, published: outcome.published })}\n`,
	);
	await closeModelStores();
}

if (require.main === module) {
	main().catch((error: unknown) => {
		process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
		process.exit(1);
	});
}
