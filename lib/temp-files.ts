import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * The hidden temporary files that atomic writes make beside their target, and the cleanup of the ones a killed
 * writer (`kill -9`, a crashed worker, a lost host) left behind. A temp file's name says whose it is:
 * `.<target>.<random>.<pid>-<start>@<host>.tmp` (`<start>`: the writer process's start time, base 36 ms, so that
 * a reused pid is not taken for the writer). Cleanup must never take a write still in progress, which on a shared
 * folder (n8n queue mode: workers on several hosts) may belong to another machine, so a temp file goes only when
 * - its writer ran on this host, that process is gone, and the file has not changed for STALE_DEAD_WRITER_MS (a
 *   same-named host in another PID namespace could reuse the number; no write pauses that long between its last
 *   byte and its rename), or
 * - whoever wrote it, it has not changed for STALE_ANY_WRITER_MS: a model file is written in seconds.
 */
export const STALE_DEAD_WRITER_MS = 30_000;
export const STALE_ANY_WRITER_MS = 10 * 60_000;

const OURS = /^\.(.+)\.[0-9a-f]{8}\.(\d+)(?:-([0-9a-z]+))?@([A-Za-z0-9-]+)\.tmp$/;
/** Names from before the host was in them (`.<target>.<pid>.<random>.tmp`): only their age can tell. */
const OLDER = /^\.(.+)\.\d+\.[0-9a-f]{8}\.tmp$/;

export function hostTag(): string {
	return os.hostname().replace(/[^A-Za-z0-9-]/g, '-') || 'host';
}

/** When this process started (ms since the epoch, base 36): with host and pid, it names a writer uniquely. */
export const PROCESS_START = Math.round(Date.now() - process.uptime() * 1000).toString(36);

/** `<pid>-<start>@<host>`: who holds a temp file or a lock. */
export function writerTag(): string {
	return `${process.pid}-${PROCESS_START}@${hostTag()}`;
}

/** Where a temp file for `target` goes: beside it, so that the rename that publishes it stays on one filesystem. */
export function tempPathFor(target: string): string {
	const resolved = path.resolve(target);
	return path.join(
		path.dirname(resolved),
		`.${path.basename(resolved)}.${randomBytes(4).toString('hex')}.${writerTag()}.tmp`,
	);
}

export function processGone(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return false;
	} catch (error) {
		// EPERM: it exists but is someone else's.
		return (error as NodeJS.ErrnoException).code === 'ESRCH';
	}
}

interface TempName {
	readonly target: string;
	readonly pid?: number;
	readonly host?: string;
}

function parseTempName(entry: string): TempName | undefined {
	const ours = OURS.exec(entry);
	if (ours) return { target: ours[1]!, pid: Number(ours[2]), host: ours[4] };
	const older = OLDER.exec(entry);
	return older ? { target: older[1]! } : undefined;
}

/**
 * Remove the abandoned temp files in `dir` whose target name `isTarget` accepts; returns the paths removed.
 * Best effort: a file another cleaner took first, or one that cannot be read, is left to the next write.
 */
export async function removeStaleTemps(
	dir: string,
	isTarget: (targetName: string) => boolean,
	now = Date.now(),
): Promise<string[]> {
	const entries = await fs.readdir(dir).catch(() => [] as string[]);
	const removed: string[] = [];
	for (const entry of entries) {
		const name = parseTempName(entry);
		if (!name || !isTarget(name.target)) continue;
		const file = path.join(dir, entry);
		const stat = await fs.lstat(file).catch(() => undefined);
		if (!stat?.isFile()) continue;
		const idle = now - stat.mtimeMs;
		const deadWriter =
			name.host === hostTag() &&
			name.pid !== undefined &&
			name.pid !== process.pid &&
			processGone(name.pid);
		if (idle >= STALE_ANY_WRITER_MS || (deadWriter && idle >= STALE_DEAD_WRITER_MS)) {
			await fs.rm(file, { force: true }).catch(() => undefined);
			removed.push(file);
		}
	}
	return removed;
}
