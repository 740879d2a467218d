import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ClassFolder } from './class-folders';
import type { Problem } from './problem';
import { isInside, isLitter } from './scan-paths';

/**
 * The image files of a dataset's class folders as a set of real paths: each folder and file is visited once however
 * many links lead to it, so link loops end and no image is counted twice or under two labels. One walk spans every
 * class (of the training and validation sides), because a link in one class may point into another.
 */
export class ClassFileWalk {
	/** Real folder → the path it was scanned as. */
	private readonly folders = new Map<string, string>();
	/** Real file → the path it was counted as. */
	private readonly counted = new Map<string, string>();

	constructor(
		private readonly realRoot: string,
		/** Every class folder of the dataset: a link into one of them belongs to that class. */
		private readonly classes: readonly ClassFolder[],
		private readonly problems: Problem[],
	) {}

	/**
	 * Files under a class folder (nested folders included), sorted, without hidden files and litter. The real tree is
	 * walked first, then the links found in it (and in what they lead to), so a file is named by its own path rather
	 * than by a link's where it can be. A link is followed only inside the dataset folder and its own class.
	 * Iterative: a deep or looping tree cannot overflow the stack.
	 */
	async filesOf(folder: ClassFolder): Promise<string[]> {
		const out: string[] = [];
		if (this.folders.has(folder.real)) return out;
		this.folders.set(folder.real, folder.dir);
		const pending: { dir: string; real: string }[] = [{ dir: folder.dir, real: folder.real }];
		const links: { file: string; parentReal: string }[] = [];
		while (pending.length > 0 || links.length > 0) {
			const next = pending.pop();
			if (next) {
				await this.readFolder(next.dir, next.real, pending, links, out);
				continue;
			}
			const link = links.shift()!;
			await this.followLink(link.file, link.parentReal, folder, pending, out);
		}
		return out.sort();
	}

	private async readFolder(
		dir: string,
		real: string,
		pending: { dir: string; real: string }[],
		links: { file: string; parentReal: string }[],
		out: string[],
	): Promise<void> {
		const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) =>
			a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
		);
		for (const entry of entries) {
			if (isLitter(entry.name)) continue;
			const file = path.join(dir, entry.name);
			if (entry.name.startsWith('.')) {
				if (entry.isDirectory())
					this.skip(
						file,
						'hidden-folder',
						'is a hidden folder (its name starts with "."); not scanned',
					);
				continue;
			}
			if (entry.isSymbolicLink()) links.push({ file, parentReal: real });
			else if (entry.isDirectory()) this.enter(file, path.join(real, entry.name), pending);
			else if (entry.isFile()) this.count(file, path.join(real, entry.name), out);
		}
	}

	private async followLink(
		file: string,
		parentReal: string,
		folder: ClassFolder,
		pending: { dir: string; real: string }[],
		out: string[],
	): Promise<void> {
		const target = await fs.realpath(file).catch(() => undefined);
		if (target === undefined || !isInside(this.realRoot, target)) {
			this.skip(
				file,
				'link-outside-folder',
				`is a link to ${target ?? 'a missing file'}, outside the dataset folder; not followed`,
			);
			return;
		}
		const owner = this.classes.find((c) => isInside(c.real, target));
		if (owner !== undefined && owner !== folder) {
			this.skip(
				file,
				'link-into-other-class',
				`is a link to ${target}, inside the class folder ${owner.dir}; not followed, so those images keep their own label`,
			);
			return;
		}
		const stat = await fs.stat(target);
		if (stat.isDirectory()) {
			if (isInside(target, parentReal) || this.classes.some((c) => isInside(target, c.real)))
				this.skip(
					file,
					'link-loop',
					`is a link to ${target}, a folder that holds it or the class folders (a loop); not followed`,
				);
			else this.enter(file, target, pending);
		} else if (stat.isFile()) this.count(file, target, out);
	}

	private enter(dir: string, real: string, pending: { dir: string; real: string }[]): void {
		const seen = this.folders.get(real);
		if (seen !== undefined) {
			this.skip(
				dir,
				'link-repeat',
				`is the folder ${seen} again (through a link); not scanned twice`,
			);
			return;
		}
		this.folders.set(real, dir);
		pending.push({ dir, real });
	}

	private count(file: string, real: string, out: string[]): void {
		const seen = this.counted.get(real);
		if (seen !== undefined) {
			this.skip(file, 'link-repeat', `is the file ${seen} again (through a link); counted once`);
			return;
		}
		this.counted.set(real, file);
		out.push(file);
	}

	private skip(file: string, kind: Problem['kind'], reason: string): void {
		this.problems.push({ file, reason, kind, kept: false });
	}
}
