import { spawn } from 'node:child_process';

export interface CommandResult {
	readonly code: number;
	readonly stdout: string;
	readonly stderr: string;
}

/**
 * Run a program without a shell (arguments are never re-parsed), collecting its output; `onLine` streams stderr
 * lines for progress. A program that cannot be started resolves with code 127, as a shell would say.
 */
export function runCommand(
	program: string,
	args: readonly string[],
	options: {
		cwd?: string;
		env?: NodeJS.ProcessEnv;
		onLine?: (line: string) => void;
		/** Keep at most this many characters of each stream (compilers and pip can be chatty). */
		keep?: number;
	} = {},
): Promise<CommandResult> {
	const keep = options.keep ?? 64 * 1024;
	return new Promise((resolve) => {
		let stdout = '';
		let stderr = '';
		let settled = false;
		const child = spawn(program, [...args], {
			cwd: options.cwd,
			env: options.env ?? process.env,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const finish = (result: CommandResult) => {
			if (settled) return;
			settled = true;
			resolve(result);
		};
		child.stdout.on('data', (chunk: Buffer) => {
			stdout = (stdout + chunk.toString()).slice(-keep);
		});
		let partial = '';
		child.stderr.on('data', (chunk: Buffer) => {
			const text = chunk.toString();
			stderr = (stderr + text).slice(-keep);
			if (options.onLine) {
				const lines = (partial + text).split('\n');
				partial = lines.pop() ?? '';
				for (const line of lines) options.onLine(line);
			}
		});
		child.on('error', (error) => finish({ code: 127, stdout, stderr: stderr + error.message }));
		child.on('close', (code) => finish({ code: code ?? 1, stdout, stderr }));
	});
}

/** The last lines of a command's output, for an error message. */
export function tail(text: string, lines = 8): string {
	return text.trim().split('\n').slice(-lines).join('\n');
}
