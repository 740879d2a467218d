import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { FileError } from '../errors';
import { hashFile } from '../hash-file';

export interface DownloadOptions {
	/** Full SHA-256 (hex) the file must have. */
	readonly sha256?: string;
	/** A prefix of the SHA-256, as torchvision puts in its file names (`resnet18-f37072fd.pth`). */
	readonly sha256Prefix?: string;
	readonly headers?: Readonly<Record<string, string>>;
	readonly onProgress?: (progress: {
		readonly received: number;
		readonly total?: number;
		readonly resumedFrom: number;
	}) => void;
	readonly signal?: AbortSignal;
}

/**
 * Download `url` to `target`: into `target.part` first (an interrupted download resumes from there with an HTTP Range
 * request), then the SHA-256 is checked and the file renamed into place. A wrong checksum deletes the part file, so
 * the next try starts clean.
 */
export async function downloadFile(
	url: string,
	target: string,
	options: DownloadOptions = {},
): Promise<{ file: string; bytes: number; sha256: string; resumedFrom: number }> {
	const part = `${target}.part`;
	await fs.mkdir(path.dirname(path.resolve(target)), { recursive: true });
	const have = await fs.stat(part).then(
		(s) => s.size,
		() => 0,
	);
	let response: Response;
	try {
		response = await fetch(url, {
			headers: { ...options.headers, ...(have > 0 ? { Range: `bytes=${have}-` } : {}) },
			signal: options.signal,
			redirect: 'follow',
		});
	} catch (error) {
		const cause =
			error instanceof Error
				? ((error.cause as Error | undefined)?.message ?? error.message)
				: String(error);
		throw new FileError(
			target,
			`could not download ${url} (${cause}). Without network, download the file elsewhere and place it at ${target}`,
			{ cause: error },
		);
	}
	if (response.status === 416 && have > 0) {
		// The part file is already complete (the last try stopped before checking it).
		await response.body?.cancel();
	} else if (!response.ok) {
		await response.body?.cancel();
		throw new FileError(
			target,
			`download of ${url} failed: HTTP ${response.status} ${response.statusText}${response.status === 401 || response.status === 403 ? ' (check the token of the weights source)' : ''}`,
		);
	}
	const resumed = response.status === 206;
	const resumedFrom = resumed ? have : 0;
	if (response.status !== 416) {
		const length = Number(response.headers.get('content-length'));
		const total = Number.isFinite(length) && length > 0 ? length + resumedFrom : undefined;
		let received = resumedFrom;
		const handle = await fs.open(part, resumed ? 'a' : 'w');
		try {
			for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
				await handle.write(chunk);
				received += chunk.length;
				options.onProgress?.({ received, total, resumedFrom });
			}
		} catch (error) {
			throw new FileError(
				target,
				`download of ${url} was interrupted after ${received} bytes (${error instanceof Error ? error.message : String(error)}); run again to resume`,
				{ cause: error },
			);
		} finally {
			await handle.close();
		}
	}
	const sha256 = await hashFile(part);
	const expected = options.sha256?.toLowerCase();
	const prefix = options.sha256Prefix?.toLowerCase();
	if ((expected && sha256 !== expected) || (prefix && !sha256.startsWith(prefix))) {
		await fs.rm(part, { force: true });
		throw new FileError(
			target,
			`downloaded from ${url} but its SHA-256 is ${sha256}, expected ${expected ?? `${prefix}…`}; the file was deleted, try again or check the URL`,
		);
	}
	await fs.rename(part, target);
	return { file: target, bytes: (await fs.stat(target)).size, sha256, resumedFrom };
}
