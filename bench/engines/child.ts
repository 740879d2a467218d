import { spawnSync } from 'node:child_process';
import { lastJsonLine } from './figures';

export type ChildOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Runs one engine in a process of its own (tfjs keeps one global engine; Python has its own allocator and threads)
 * and reads its JSON line. A failure is a reason to print, never a crash of the whole bench.
 */
export function runChild<T>(
	command: string,
	args: readonly string[],
	env: NodeJS.ProcessEnv = process.env,
): ChildOutcome<T> {
	const result = spawnSync(command, args, {
		encoding: 'utf8',
		env,
		maxBuffer: 64 * 2 ** 20,
	});
	if (result.error)
		return { ok: false, reason: `${command} failed to start (${result.error.message})` };
	if (result.status !== 0) {
		const detail = lastMeaningfulLine(result.stderr) ?? lastMeaningfulLine(result.stdout);
		return {
			ok: false,
			reason: `exited with ${result.status ?? result.signal}${detail ? `: ${detail}` : ''}`,
		};
	}
	try {
		return { ok: true, value: lastJsonLine<T>(result.stdout) };
	} catch {
		return {
			ok: false,
			reason: `printed no figures (${lastMeaningfulLine(result.stdout) ?? 'no output'})`,
		};
	}
}

function lastMeaningfulLine(text: string | null): string | undefined {
	const lines = (text ?? '')
		.split('\n')
		.map((l) => l.trim())
		.filter((l) => l !== '' && !l.startsWith('at '));
	return lines.pop()?.slice(0, 300);
}
