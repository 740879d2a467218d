import * as fs from 'node:fs/promises';
import { ModelStoreError } from '../errors';
import { hostTag, processGone, writerTag } from '../temp-files';

/**
 * A lock file with a lease, for moving a folder store's live pointer when several workers (threads, processes,
 * hosts on one NFS mount) publish at once. The file is created exclusively (O_EXCL, which NFS v4 honours; NFS v2/v3
 * clients may not) and holds who took it and until when.
 *
 * A holder that died leaves its lock behind. It is taken over only once its lease has run out, or at once when the
 * holder ran on this host and its process is gone: on another host a live holder cannot be told from a dead one,
 * so only the lease says. The lease is far longer than a publish takes (a pointer write: milliseconds).
 */
export const LOCK_LEASE_MS = 30_000;
const WAIT_MS = LOCK_LEASE_MS + 10_000;

interface Holder {
	readonly writer: string;
	readonly pid: number;
	readonly host: string;
	readonly until: number;
}

function parseHolder(text: string): Holder | undefined {
	try {
		const value = JSON.parse(text) as Partial<Holder>;
		if (
			typeof value.writer === 'string' &&
			typeof value.pid === 'number' &&
			typeof value.host === 'string' &&
			typeof value.until === 'number'
		)
			return value as Holder;
	} catch {
		// A lock whose writer died between create and write: judged by its age below.
	}
	return undefined;
}

async function expired(file: string, now: number): Promise<boolean> {
	const text = await fs.readFile(file, 'utf8').catch(() => undefined);
	if (text === undefined) return false; // gone already: the next try takes it
	const holder = parseHolder(text);
	if (!holder) {
		const stat = await fs.stat(file).catch(() => undefined);
		return stat !== undefined && now - stat.mtimeMs > LOCK_LEASE_MS;
	}
	if (now > holder.until) return true;
	return holder.host === hostTag() && holder.pid !== process.pid && processGone(holder.pid);
}

/** Run `work` holding the lock at `file`; waits for another holder up to a lease and a margin. */
export async function withFolderLock<T>(
	file: string,
	storeName: string,
	work: () => Promise<T>,
): Promise<T> {
	const started = Date.now();
	for (let attempt = 0; ; attempt++) {
		const holder: Holder = {
			writer: writerTag(),
			pid: process.pid,
			host: hostTag(),
			until: Date.now() + LOCK_LEASE_MS,
		};
		const handle = await fs.open(file, 'wx').catch((error: NodeJS.ErrnoException) => {
			if (error.code === 'EEXIST') return undefined;
			throw new ModelStoreError(
				storeName,
				`cannot create the lock ${file} (${error.code})`,
				undefined,
				{
					cause: error,
				},
			);
		});
		if (handle) {
			try {
				await handle.writeFile(JSON.stringify(holder));
			} finally {
				await handle.close();
			}
			try {
				return await work();
			} finally {
				await fs.rm(file, { force: true });
			}
		}
		if (await expired(file, Date.now())) {
			await fs.rm(file, { force: true });
			continue;
		}
		if (Date.now() - started > WAIT_MS) {
			const text = await fs.readFile(file, 'utf8').catch(() => '');
			throw new ModelStoreError(
				storeName,
				`the lock ${file} has been held for over ${WAIT_MS / 1000} s by ${parseHolder(text)?.writer ?? 'an unknown writer'}`,
			);
		}
		// Jittered, growing waits: publishes take milliseconds, and many waiters must not poll in step.
		await new Promise((r) => setTimeout(r, Math.min(200, 5 + attempt * 5) * (0.5 + Math.random())));
	}
}
