import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidParameterError } from './errors';

/**
 * Checks, before hours of training, that a file can later be written at `file`: a name is given, it is not a
 * folder, no part of its folder path is a regular file, and the deepest folder that exists takes a new file (tried
 * by creating and removing one: permission bits say nothing for root, a read-only mount or an ACL). Returns the
 * absolute path. The write itself still goes through writeFileAtomic; this only moves its refusals up front.
 */
export async function checkOutputFile(file: unknown, parameter: string): Promise<string> {
	if (typeof file !== 'string' || file.trim() === '')
		throw new InvalidParameterError(
			parameter,
			`must name the file to write, got ${JSON.stringify(file)}`,
		);
	const target = path.resolve(file);
	const stat = await statOrUndefined(target, parameter);
	if (stat?.isDirectory())
		throw new InvalidParameterError(
			parameter,
			`${target} is a folder; give the name of a file to write in it`,
		);
	if (stat && !stat.isFile())
		throw new InvalidParameterError(parameter, `${target} exists and is not a regular file`);
	await checkOutputFolder(path.dirname(target), parameter);
	return target;
}

/** Checks that files can be created in `folder` (made later if missing): see checkOutputFile. */
export async function checkOutputFolder(folder: string, parameter: string): Promise<string> {
	if (folder.trim() === '')
		throw new InvalidParameterError(parameter, 'must name a folder, got ""');
	const target = path.resolve(folder);
	const existing = await deepestExisting(target, parameter);
	if (!existing.stat.isDirectory())
		throw new InvalidParameterError(
			parameter,
			`${target} cannot be made: ${existing.path} is a file, not a folder`,
		);
	const probe = path.join(existing.path, `.resnet18-write-check.${randomBytes(4).toString('hex')}`);
	try {
		await (await fs.open(probe, 'wx')).close();
	} catch (error) {
		throw new InvalidParameterError(
			parameter,
			`${target} cannot be written: ${existing.path} refuses new files (${(error as NodeJS.ErrnoException).code ?? String(error)}); choose a writable folder`,
		);
	}
	await fs.rm(probe, { force: true });
	return target;
}

async function statOrUndefined(file: string, parameter: string) {
	return fs.stat(file).catch((error: NodeJS.ErrnoException) => {
		// ENOTDIR: a parent is a regular file; the folder check names it.
		if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
		throw new InvalidParameterError(
			parameter,
			`${file} cannot be looked at (${error.code ?? error.message}); choose a writable folder`,
		);
	});
}

/** The folder itself, or the nearest parent that exists (a file there is refused by the caller). */
async function deepestExisting(folder: string, parameter: string) {
	for (let current = folder; ; current = path.dirname(current)) {
		const stat = await statOrUndefined(current, parameter);
		if (stat) return { path: current, stat };
		if (path.dirname(current) === current) throw new Error(`no root above ${folder}`);
	}
}
