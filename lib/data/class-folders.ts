import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { FileError } from '../errors';
import type { Problem } from './problem';
import { codePoints, isInside, isLitter } from './scan-paths';

/** One class of a dataset: its subfolder (a real folder, or a link to one inside the dataset folder). */
export interface ClassFolder {
	/** The folder's name, Unicode-normalised (NFC): "café" typed on macOS and on Linux is one class. */
	readonly name: string;
	/** The folder as listed, a link staying a link, so that files are named as the user sees them. */
	readonly dir: string;
	/** Its real path: what the scan visits, once. */
	readonly real: string;
}

/**
 * The class folders under `base`, sorted by name. Hidden folders, links leaving the dataset folder, links back to a
 * folder holding the classes, and links to (or into) another class folder are not classes; each is reported.
 * `taken` are folders scanned on their own (the validation side, or the training classes), which no class link may
 * point into or hold.
 */
export async function listClassFolders(
	base: string,
	realRoot: string,
	problems: Problem[],
	taken: readonly { readonly dir: string; readonly real: string }[] = [],
): Promise<ClassFolder[]> {
	const realBase = await fs.realpath(base);
	const entries = (await fs.readdir(base, { withFileTypes: true })).sort((a, b) =>
		a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
	);
	const folders: ClassFolder[] = [];
	const links: { dir: string; listed: string }[] = [];
	const skip = (dir: string, kind: Problem['kind'], reason: string) =>
		problems.push({ file: dir, reason, kind, kept: false });
	for (const entry of entries) {
		if (isLitter(entry.name)) continue;
		const dir = path.join(base, entry.name);
		const isLink = entry.isSymbolicLink();
		if (!entry.isDirectory() && !(isLink && (await isFolder(dir)))) continue;
		if (entry.name.startsWith('.')) {
			skip(dir, 'hidden-folder', 'is a hidden folder (its name starts with "."); not a class');
			continue;
		}
		if (isLink) links.push({ dir, listed: entry.name });
		else
			folders.push({
				name: entry.name.normalize('NFC'),
				dir,
				real: path.join(realBase, entry.name),
			});
	}
	// Links after real folders: a real class folder keeps its images however many links point at it.
	for (const { dir, listed } of links) {
		const real = await fs.realpath(dir);
		const owner = [...taken, ...folders].find(
			(f) => isInside(f.real, real) || isInside(real, f.real),
		);
		if (!isInside(realRoot, real))
			skip(
				dir,
				'link-outside-folder',
				`is a link to ${real}, outside the dataset folder; not followed`,
			);
		else if (isInside(real, realBase))
			skip(
				dir,
				'link-loop',
				`is a link to ${real}, which holds the class folders (a loop); not followed`,
			);
		else if (owner)
			skip(
				dir,
				'link-repeat',
				`is a link to ${real}, ${isInside(owner.real, real) ? 'inside' : 'holding'} ${owner.dir}, which is scanned on its own; not a class, so no image is counted twice`,
			);
		else folders.push({ name: listed.normalize('NFC'), dir, real });
	}
	folders.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	for (let i = 1; i < folders.length; i++) {
		const [a, b] = [folders[i - 1], folders[i]];
		if (a.name === b.name)
			throw new FileError(
				base,
				`class folders ${a.dir} (${codePoints(path.basename(a.dir))}) and ${b.dir} (${codePoints(path.basename(b.dir))}) are the same name "${a.name}" once Unicode-normalised (NFC); rename or merge one of them`,
			);
	}
	return folders;
}

async function isFolder(file: string): Promise<boolean> {
	return fs.stat(file).then(
		(s) => s.isDirectory(),
		() => false,
	);
}
