import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { FileError } from './errors';
import { removeStaleTemps, tempPathFor } from './temp-files';

/**
 * Write a file so that readers see either the old file or the whole new one, never a part: write a temporary
 * file beside it, flush it to disk, then rename over the target (atomic on POSIX filesystems). Temp files that
 * killed writes of the same target left behind are removed first (lib/temp-files.ts says which are safe to take).
 */
export async function writeFileAtomic(target: string, data: Uint8Array): Promise<void> {
	const temp = await writeTemp(target, data);
	try {
		await fs.rename(temp, target);
	} catch (error) {
		await fs.rm(temp, { force: true });
		throw writeError(target, error);
	}
}

/**
 * Like {@link writeFileAtomic}, but only when `target` does not exist yet: the complete temporary file is hard-linked
 * to the target name, which fails if the name is taken. Returns false (and writes nothing) in that case.
 * `beforeCommit` runs between the two (the fault tests' window: a kill there leaves only a temp file).
 */
export async function writeFileExclusive(
	target: string,
	data: Uint8Array,
	beforeCommit?: () => Promise<void>,
): Promise<boolean> {
	const temp = await writeTemp(target, data);
	try {
		await beforeCommit?.();
		await fs.link(temp, target);
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
		throw writeError(target, error);
	} finally {
		await fs.rm(temp, { force: true });
	}
}

async function writeTemp(target: string, data: Uint8Array): Promise<string> {
	// path.resolve('') is the working folder: the temp file would land beside it, named after nothing.
	if (target.trim() === '') throw new FileError('""', 'no file name given to write to');
	const dir = path.dirname(path.resolve(target));
	const temp = tempPathFor(target);
	const name = path.basename(path.resolve(target));
	try {
		await fs.mkdir(dir, { recursive: true });
		await removeStaleTemps(dir, (t) => t === name);
		const handle = await fs.open(temp, 'wx');
		try {
			await handle.writeFile(data);
			await handle.sync();
		} finally {
			await handle.close();
		}
		return temp;
	} catch (error) {
		await fs.rm(temp, { force: true });
		throw writeError(target, error);
	}
}

function writeError(target: string, error: unknown): FileError {
	return new FileError(
		target,
		`could not be written (${error instanceof Error ? error.message : String(error)})`,
		{ cause: error },
	);
}
