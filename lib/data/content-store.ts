import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomic-write';

/**
 * Images that arrive as bytes (n8n binary items, uploads) are stored once, named by their SHA-256, so a manifest can
 * point at files like a folder dataset does, re-runs do not copy the same image twice, and identical uploads become
 * one file.
 */
export async function storeContent(
	storeRoot: string,
	bytes: Uint8Array,
	extension: string,
): Promise<{ file: string; sha256: string; stored: boolean }> {
	const sha256 = createHash('sha256').update(bytes).digest('hex');
	const ext =
		extension
			.replace(/^\./, '')
			.toLowerCase()
			.replace(/[^a-z0-9]/g, '') || 'bin';
	const file = path.join(path.resolve(storeRoot), sha256.slice(0, 2), `${sha256}.${ext}`);
	const exists = await fs.stat(file).then(
		(s) => s.size === bytes.byteLength,
		() => false,
	);
	if (!exists) await writeFileAtomic(file, bytes);
	return { file, sha256, stored: !exists };
}
