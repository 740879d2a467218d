import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidParameterError } from '../errors';
import { hashFile } from '../hash-file';
import { downloadFile, type DownloadOptions } from './download';
import {
	isPretrainedSource,
	PRETRAINED_SOURCES,
	type PretrainedSource,
	type PretrainedSourceSpec,
} from './pretrained-sources';

export interface PretrainedOptions {
	/** Folder the weight files are kept in; downloaded once, then used offline. */
	readonly cacheFolder: string;
	/** Replaces the file's URL up to its name, for a mirror or an artifact server: `<baseUrl>/<file name>`. */
	readonly baseUrl?: string;
	/** Sent as `Authorization: Bearer …` (a Hugging Face token, an artifact server's token). */
	readonly token?: string;
	readonly sha256?: string;
	readonly onProgress?: DownloadOptions['onProgress'];
	readonly signal?: AbortSignal;
}

/** The path of the source's weight file: from the cache when it is there (verified), else downloaded into it. */
export async function ensurePretrained(
	source: PretrainedSource,
	options: PretrainedOptions,
): Promise<{ file: string; downloaded: boolean }> {
	if (!isPretrainedSource(source))
		throw new InvalidParameterError(
			'pretrained',
			`unknown weights source ${JSON.stringify(source)}`,
		);
	const spec: PretrainedSourceSpec = PRETRAINED_SOURCES[source];
	const target = path.join(options.cacheFolder, spec.file);
	const cached = await fs.stat(target).then(
		(s) => s.isFile(),
		() => false,
	);
	const prefix = spec.sha256Prefix;
	if (cached) {
		if (!options.sha256 && !prefix) return { file: target, downloaded: false };
		const sha256 = await hashFile(target);
		if (
			(!options.sha256 || sha256 === options.sha256.toLowerCase()) &&
			(!prefix || sha256.startsWith(prefix))
		)
			return { file: target, downloaded: false };
		await fs.rm(target, { force: true });
	}
	const url = options.baseUrl ? `${options.baseUrl.replace(/\/+$/, '')}/${spec.file}` : spec.url;
	await downloadFile(url, target, {
		sha256: options.sha256,
		sha256Prefix: prefix,
		headers: options.token ? { Authorization: `Bearer ${options.token}` } : undefined,
		onProgress: options.onProgress,
		signal: options.signal,
	});
	return { file: target, downloaded: true };
}
