import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { detachInference, type TrainedModel } from '../../lib';

/**
 * Loaded models kept in memory across executions, so a webhook flow pays for reading and building the network once,
 * not per request. n8n loads a node's module once per process; this map lives as long as the process does.
 *
 * A model is keyed by what identifies its bytes: path + modification time + size for a file (a retrained file gets a
 * new key), SHA-256 for bytes from a binary property. Entries in use are never disposed; idle ones beyond the
 * capacity are, least recently used first (a ResNet-18 holds ~45 MB of weights).
 */
interface Entry {
	readonly model: Promise<TrainedModel>;
	users: number;
	lastUsed: number;
}

const CAPACITY = 3;
const cache = new Map<string, Entry>();
let hits = 0;
let loads = 0;

export async function fileModelKey(file: string): Promise<string> {
	const stat = await fs.stat(file);
	return `file:${file}:${stat.mtimeMs}:${stat.size}`;
}

export function bytesModelKey(bytes: Uint8Array): string {
	return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Run `use` with the cached model for `key`, loading it with `load` on a miss. */
export async function withCachedModel<T>(
	key: string,
	load: () => Promise<TrainedModel>,
	use: (model: TrainedModel, cached: boolean) => Promise<T>,
): Promise<T> {
	let entry = cache.get(key);
	const cached = entry !== undefined;
	if (entry) hits++;
	else {
		loads++;
		entry = { model: load(), users: 0, lastUsed: Date.now() };
		cache.set(key, entry);
		// A failed load must not stay cached: the next call retries (the file may have been fixed).
		entry.model.catch(() => cache.delete(key));
	}
	entry.users++;
	try {
		return await use(await entry.model, cached);
	} finally {
		entry.users--;
		entry.lastUsed = Date.now();
		evictIdle();
	}
}

function evictIdle(): void {
	const idle = [...cache.entries()]
		.filter(([, e]) => e.users === 0)
		.sort((a, b) => a[1].lastUsed - b[1].lastUsed);
	let excess = cache.size - CAPACITY;
	for (const [key, entry] of idle) {
		if (excess <= 0) break;
		cache.delete(key);
		entry.model.then(
			async (m) => {
				await detachInference(m.network);
				m.network.dispose();
			},
			() => undefined,
		);
		excess--;
	}
}

export function modelCacheStats(): { entries: number; hits: number; loads: number } {
	return { entries: cache.size, hits, loads };
}
