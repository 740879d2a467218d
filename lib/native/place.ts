import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Put a fully built package folder at `target`: `built` lies beside it (same filesystem), so the swap is two renames;
 * an older install is moved aside first and removed last. Readers see the old package or the new one, never a part.
 */
export async function placeAtomically(built: string, target: string): Promise<void> {
	const old = path.join(
		path.dirname(target),
		`.${path.basename(target)}.old-${randomBytes(4).toString('hex')}`,
	);
	let moved = false;
	try {
		await fs.rename(target, old);
		moved = true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
	}
	try {
		await fs.rename(built, target);
	} catch (error) {
		if (moved) await fs.rename(old, target);
		throw error;
	}
	if (moved) await fs.rm(old, { recursive: true, force: true });
}

/** A scratch folder beside `target` (so a rename can place it), named so that a crash's leftover is recognisable. */
export async function scratchBeside(target: string, label: string): Promise<string> {
	const dir = path.join(
		path.dirname(target),
		`.${path.basename(target)}.${label}-${process.pid}-${randomBytes(4).toString('hex')}`,
	);
	await fs.mkdir(dir, { recursive: true });
	return dir;
}
