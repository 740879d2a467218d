import * as fs from 'node:fs/promises';

/**
 * A test-only pause inside a store write, so that a fault test can SIGKILL the writer in exactly that window and
 * prove nothing half-written is left: `RESNET18_FAULT_PAUSE=save:5000` pauses 5 s after a version's bytes are written
 * and before they are committed; `publish:5000` pauses while the live pointer's lock is held, before it moves.
 * `RESNET18_FAULT_MARKER=<file>` is written when the pause starts, for a test to wait on. Unset, it costs nothing.
 */
export type FaultStage = 'save' | 'publish';

export async function faultPause(stage: FaultStage, what: string): Promise<void> {
	const spec = process.env.RESNET18_FAULT_PAUSE;
	if (!spec) return;
	const [wanted, ms] = spec.split(':');
	if (wanted !== stage) return;
	const pause = Number(ms);
	if (!Number.isFinite(pause) || pause <= 0) return;
	const line = `resnet18 fault hook: paused in ${stage} of ${what} for ${pause} ms (pid ${process.pid})\n`;
	process.stderr.write(line);
	if (process.env.RESNET18_FAULT_MARKER)
		await fs.writeFile(process.env.RESNET18_FAULT_MARKER, line);
	await new Promise((resolve) => setTimeout(resolve, pause));
}
