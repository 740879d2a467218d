import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FileError } from './errors';

/**
 * Write a file so that readers see either the old file or the whole new one, never a part: write a temporary
 * file beside it, flush it to disk, then rename over the target (atomic on POSIX filesystems).
 */
export async function writeFileAtomic(target: string, data: Uint8Array): Promise<void> {
	const dir = path.dirname(path.resolve(target));
	const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
	try {
		await fs.mkdir(dir, { recursive: true });
		const handle = await fs.open(temp, 'wx');
		try {
			await handle.writeFile(data);
			await handle.sync();
		} finally {
			await handle.close();
		}
		await fs.rename(temp, target);
	} catch (error) {
		await fs.rm(temp, { force: true });
		throw new FileError(target, `could not be written (${error instanceof Error ? error.message : String(error)})`, { cause: error });
	}
}
