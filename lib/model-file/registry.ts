import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic, writeFileExclusive } from '../atomic-write';
import { FileError, InvalidParameterError } from '../errors';
import { serializeModel, type TrainedModel } from './model-file';
import { removeStaleTemps } from '../temp-files';

/**
 * Named models in a folder: `<root>/<name>/v0001.safetensors`, `v0002…`, and a `LIVE` file naming the version that
 * serves. A retrain adds a version and moves `LIVE` only when the new model is good enough, so a scheduled retrain
 * that goes wrong never replaces a working model, and every earlier version stays on disk to roll back to.
 */
export interface ModelVersion {
	readonly name: string;
	readonly version: number;
	readonly file: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const VERSION_FILE = /^v(\d{4,})\.safetensors$/;
const LIVE_FILE = 'LIVE';

export function checkModelName(name: unknown, parameter = 'modelName'): string {
	if (typeof name !== 'string' || !NAME.test(name) || name.includes('..')) {
		throw new InvalidParameterError(
			parameter,
			`must be 1–100 letters, digits, ".", "_" or "-" (no slashes), got ${JSON.stringify(name)}`,
		);
	}
	return name;
}

function versionFile(root: string, name: string, version: number): string {
	return path.join(root, name, `v${String(version).padStart(4, '0')}.safetensors`);
}

/** Versions on disk, oldest first. */
export async function listVersions(root: string, name: string): Promise<ModelVersion[]> {
	checkModelName(name);
	const dir = path.join(root, name);
	const entries = await fs.readdir(dir).catch((error: NodeJS.ErrnoException) => {
		if (error.code === 'ENOENT') return [] as string[];
		throw new FileError(dir, `cannot be read (${error.code})`, { cause: error });
	});
	return entries
		.map((entry) => VERSION_FILE.exec(entry))
		.filter((m): m is RegExpExecArray => m !== null)
		.map((m) => ({ name, version: Number(m[1]), file: path.join(dir, m[0]) }))
		.sort((a, b) => a.version - b.version);
}

/**
 * Write the model as the next version. Two writers racing for the same number cannot overwrite each other: the
 * file is created exclusively, and the loser takes the next number.
 */
export async function saveVersion(
	root: string,
	name: string,
	model: TrainedModel,
): Promise<ModelVersion & { bytes: number }> {
	checkModelName(name);
	const bytes = serializeModel(model);
	// A killed save of any version (v0002 may be claimed by someone else by now) leaves its temp file here.
	await removeStaleTemps(path.join(root, name), (target) => VERSION_FILE.test(target));
	for (let attempt = 0; attempt < 100; attempt++) {
		const versions = await listVersions(root, name);
		// A lost race means the winner's file is now listed: the next listing yields the next free number.
		const version = (versions.at(-1)?.version ?? 0) + 1;
		const file = versionFile(root, name, version);
		if (await writeFileExclusive(file, bytes))
			return { name, version, file, bytes: bytes.byteLength };
	}
	throw new FileError(
		path.join(root, name),
		'could not claim a new version number after 100 tries',
	);
}

/** The version that serves: the one `LIVE` names, else the newest (a model folder filled by hand has no LIVE file). */
export async function liveVersion(root: string, name: string): Promise<ModelVersion | undefined> {
	const versions = await listVersions(root, name);
	const live = await fs
		.readFile(path.join(root, checkModelName(name), LIVE_FILE), 'utf8')
		.catch(() => undefined);
	if (live !== undefined) {
		const found = versions.find((v) => v.version === Number(live.trim().replace(/^v/, '')));
		if (found) return found;
	}
	return versions.at(-1);
}

/** Make `version` the one that serves. Readers see the old or the new pointer, never a half-written one. */
export async function publishVersion(
	root: string,
	name: string,
	version: number,
): Promise<ModelVersion> {
	const found = (await listVersions(root, name)).find((v) => v.version === version);
	if (!found)
		throw new InvalidParameterError(
			'version',
			`model "${name}" has no version ${version} in ${path.join(root, name)}`,
		);
	await writeFileAtomic(
		path.join(root, name, LIVE_FILE),
		Buffer.from(`v${String(version).padStart(4, '0')}\n`),
	);
	return found;
}
