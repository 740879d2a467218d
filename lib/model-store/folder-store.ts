import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic, writeFileExclusive } from '../atomic-write';
import { ModelStoreError } from '../errors';
import { checkOutputFolder } from '../output-path';
import { removeStaleTemps } from '../temp-files';
import { faultPause } from './fault-hook';
import { withFolderLock } from './folder-lock';
import type {
	ModelStore,
	Precision,
	PublishMode,
	PublishResult,
	StoredVersion,
	VersionInfo,
} from './model-store';
import { PRECISIONS } from './model-store';
import { checkModelName } from './model-name';

/**
 * Models in a folder: `<root>/<name>/v0001.safetensors` (float32), `v0001.float16.safetensors`, `v0001.int8.onnx`,
 * and a `LIVE` file naming the version that serves (`none` while no version has passed the publish check). A folder
 * filled by hand has no LIVE file: its newest version serves.
 *
 * A version number is claimed by hard-linking a complete temp file to its name (fails if taken), so two savers never
 * share a number and a reader never sees a partial file. The pointer moves under a lock file with a lease
 * (folder-lock.ts), by an atomic rename. Both hold on a local disk and on NFS v4.
 */
const VERSION_FILE = /^v(\d{4,})(?:\.(float16|int8))?\.(safetensors|onnx)$/;
const LIVE_FILE = 'LIVE';
const LOCK_FILE = '.live.lock';
const NO_LIVE = 'none';

function fileName(version: number, precision: Precision): string {
	const v = `v${String(version).padStart(4, '0')}`;
	if (precision === 'float32') return `${v}.safetensors`;
	return precision === 'float16' ? `${v}.float16.safetensors` : `${v}.int8.onnx`;
}

export class FolderModelStore implements ModelStore {
	readonly kind = 'folder' as const;
	readonly root: string;

	constructor(
		root: string,
		private readonly setting = 'modelStore',
	) {
		this.root = path.resolve(root);
	}

	get description(): string {
		return `folder ${this.root}`;
	}

	get id(): string {
		return `folder:${this.root}`;
	}

	dir(name: string): string {
		return path.join(this.root, checkModelName(name));
	}

	/** The float32 file of a version: what `File Path` and older releases point at. */
	file(name: string, version: number, precision: Precision = 'float32'): string {
		return path.join(this.dir(name), fileName(version, precision));
	}

	async checkWritable(name: string): Promise<void> {
		await checkOutputFolder(this.dir(name), this.setting);
	}

	async listVersions(name: string): Promise<StoredVersion[]> {
		const dir = this.dir(name);
		const entries = await fs.readdir(dir).catch((error: NodeJS.ErrnoException) => {
			if (error.code === 'ENOENT') return [] as string[];
			throw new ModelStoreError(this.description, `${dir} cannot be read (${error.code})`, name, {
				cause: error,
			});
		});
		const byVersion = new Map<number, Precision[]>();
		for (const entry of entries) {
			const m = VERSION_FILE.exec(entry);
			if (!m) continue;
			const precision = (m[2] ?? 'float32') as Precision;
			// The extension belongs to the precision: a stray v0001.onnx is not a version.
			if ((precision === 'int8') !== (m[3] === 'onnx')) continue;
			const version = Number(m[1]);
			byVersion.set(version, [...(byVersion.get(version) ?? []), precision]);
		}
		const versions: StoredVersion[] = [];
		for (const [version, precisions] of byVersion) {
			// A version exists when its trained (float32) file does; derived files alone are leftovers.
			if (!precisions.includes('float32')) continue;
			const file = this.file(name, version);
			const stat = await fs.stat(file).catch(() => undefined);
			if (!stat) continue;
			versions.push({
				name,
				version,
				precisions: precisions.sort(),
				bytes: stat.size,
				location: file,
			});
		}
		return versions.sort((a, b) => a.version - b.version);
	}

	private async livePointer(name: string): Promise<string | undefined> {
		const text = await fs
			.readFile(path.join(this.dir(name), LIVE_FILE), 'utf8')
			.catch(() => undefined);
		return text?.trim();
	}

	/**
	 * Asked on every execution of Classify Image by name (every webhook call), so the pointer's own version is
	 * looked up, not the whole folder listed: a store retrained weekly holds hundreds of files, on NFS each a
	 * round trip.
	 */
	async liveVersion(name: string): Promise<StoredVersion | undefined> {
		const live = await this.livePointer(name);
		if (live === undefined) return (await this.listVersions(name)).at(-1);
		if (live === NO_LIVE) return undefined;
		return this.storedVersion(name, Number(live.replace(/^v/, '')));
	}

	/** One version, as listVersions would give it; undefined when its float32 file is not there. */
	private async storedVersion(name: string, version: number): Promise<StoredVersion | undefined> {
		if (!Number.isInteger(version) || version < 1) return undefined;
		const location = this.file(name, version);
		const stat = await fs.stat(location).catch(() => undefined);
		if (!stat) return undefined;
		const present = await Promise.all(
			PRECISIONS.map(async (p) =>
				p === 'float32' || (await fs.stat(this.file(name, version, p)).catch(() => undefined))
					? p
					: undefined,
			),
		);
		const precisions = present.filter((p): p is Precision => p !== undefined).sort();
		return { name, version, precisions, bytes: stat.size, location };
	}

	async saveVersion(name: string, bytes: Uint8Array, _info?: VersionInfo): Promise<StoredVersion> {
		const dir = this.dir(name);
		await fs.mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
			throw new ModelStoreError(this.description, `cannot create ${dir} (${error.code})`, name, {
				cause: error,
			});
		});
		// A killed save of any version (its number may be someone else's by now) leaves its temp file here.
		await removeStaleTemps(dir, (target) => VERSION_FILE.test(target));
		// The first version of a new name must not serve before it passes the publish check: with no LIVE file the
		// newest would (the hand-filled folder's rule), so say "none" first.
		if ((await this.livePointer(name)) === undefined) {
			await withFolderLock(path.join(dir, LOCK_FILE), this.description, async () => {
				if ((await this.livePointer(name)) !== undefined) return;
				if ((await this.listVersions(name)).length > 0) return;
				await writeFileAtomic(path.join(dir, LIVE_FILE), Buffer.from(`${NO_LIVE}\n`));
			});
		}
		for (let attempt = 0; attempt < 100; attempt++) {
			const versions = await this.listVersions(name);
			// A lost race means the winner's file is now listed: the next listing yields the next free number.
			const version = (versions.at(-1)?.version ?? 0) + 1;
			const file = this.file(name, version);
			const claimed = await writeFileExclusive(file, bytes, () =>
				faultPause('save', `${name} v${version}`),
			);
			if (claimed)
				return { name, version, precisions: ['float32'], bytes: bytes.byteLength, location: file };
		}
		throw new ModelStoreError(
			this.description,
			'could not claim a new version number after 100 tries',
			name,
		);
	}

	async addPrecision(
		name: string,
		version: number,
		precision: Precision,
		bytes: Uint8Array,
	): Promise<void> {
		await this.requireVersion(name, version);
		await writeFileAtomic(this.file(name, version, precision), bytes);
	}

	async readVersion(
		name: string,
		version: number,
		precision: Precision = 'float32',
	): Promise<Uint8Array> {
		const file = this.file(name, version, precision);
		return fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
			throw new ModelStoreError(
				this.description,
				`model "${name}" v${version} has no ${precision} file (${file}: ${error.code})`,
				name,
				{ cause: error },
			);
		});
	}

	private async requireVersion(name: string, version: number): Promise<StoredVersion> {
		const found = (await this.listVersions(name)).find((v) => v.version === version);
		if (!found)
			throw new ModelStoreError(
				this.description,
				`model "${name}" has no version ${version}`,
				name,
			);
		return found;
	}

	async publish(name: string, version: number, mode: PublishMode): Promise<PublishResult> {
		await this.requireVersion(name, version);
		return withFolderLock(path.join(this.dir(name), LOCK_FILE), this.description, async () => {
			const current = await this.liveVersion(name);
			const previous = current?.version ?? null;
			if (mode === 'forward' && previous !== null && previous >= version)
				return { live: previous, previous, moved: false };
			await faultPause('publish', `${name} v${version}`);
			await writeFileAtomic(
				path.join(this.dir(name), LIVE_FILE),
				Buffer.from(`v${String(version).padStart(4, '0')}\n`),
			);
			return { live: version, previous, moved: true };
		});
	}

	async close(): Promise<void> {}
}
