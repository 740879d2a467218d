import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { NativeInstallError } from '../errors';
import { downloadFile } from '../weights/download';
import { runCommand, tail } from './run-command';
import type { NativeVariant } from './variant';

export interface WheelSource {
	/** A local .whl file or an https URL; pip download when absent. */
	readonly wheel?: string;
	/** A PyPI mirror, passed to pip as --index-url. */
	readonly indexUrl?: string;
}

/** The wheel files to build from: the TensorFlow wheel first, then (GPU) the nvidia-* wheels. */
export async function acquireWheels(
	source: WheelSource,
	variant: NativeVariant,
	python: string,
	dir: string,
	log: (line: string) => void,
): Promise<string[]> {
	if (source.wheel && /^https?:\/\//i.test(source.wheel)) {
		const name = decodeURIComponent(new URL(source.wheel).pathname.split('/').pop() ?? '');
		if (!name.endsWith('.whl'))
			throw new NativeInstallError(
				'wheel',
				`${source.wheel} does not name a .whl file`,
				'pass --wheel with the URL of the wheel file itself',
			);
		log(`Downloading ${source.wheel}`);
		const { file } = await downloadFile(source.wheel, path.join(dir, name));
		return [file];
	}
	if (source.wheel) {
		const file = path.resolve(source.wheel);
		await fs.access(file).catch(() => {
			throw new NativeInstallError(
				'wheel',
				`${file} does not exist`,
				'pass --wheel with the path of a downloaded wheel',
			);
		});
		return [file];
	}
	const pip = await runCommand(python, ['-m', 'pip', '--version']);
	if (pip.code !== 0)
		throw new NativeInstallError(
			'wheel',
			`pip is not available for ${python}`,
			'apt-get install -y python3-pip, or pass --wheel <file|URL> with the wheel',
		);
	const args = [
		'-m',
		'pip',
		'download',
		'--only-binary=:all:',
		'--disable-pip-version-check',
		'-d',
		dir,
	];
	if (variant.kind === 'cpu') args.push('--no-deps');
	if (source.indexUrl) args.push('--index-url', source.indexUrl);
	args.push(variant.pipRequirement);
	log(`pip download ${variant.pipRequirement}${source.indexUrl ? ` from ${source.indexUrl}` : ''}`);
	const r = await runCommand(python, args);
	if (r.code !== 0)
		throw new NativeInstallError(
			'wheel',
			`pip download ${variant.pipRequirement} failed (${tail(r.stderr + r.stdout, 4)})`,
			'check the network or pass --index-url <PyPI mirror>, or download the wheel elsewhere and pass --wheel <file>',
		);
	const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.whl'));
	const tf = files.filter((f) => /^tensorflow(_cpu)?-/i.test(f));
	const nvidia = files.filter((f) => /^nvidia_/i.test(f));
	return [...tf, ...(variant.kind === 'gpu' ? nvidia : [])].map((f) => path.join(dir, f));
}
