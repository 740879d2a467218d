import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { NativeInstallError } from '../errors';

/**
 * tfjs-node 4.22 (2024, unmaintained) calls `util.isNullOrUndefined`, which Node 23 removed: on Node 24, n8n 2.x's
 * runtime, its backend fails on the first op with "util_1.isNullOrUndefined is not a function". We build the package
 * ourselves, so its compiled JS is patched here, before placement, to the plain test it stood for.
 */
const PATCHED_FILES = ['dist/nodejs_kernel_backend.js', 'dist/kernels/TopK.js'];
const CALL = '(0, util_1.isNullOrUndefined)(';
const REPLACEMENT = '((value) => value === null || value === undefined)(';

/** Returns how many calls were rewritten; a file without them (another tfjs-node build) is an error, not a skip. */
export async function patchForCurrentNode(pkg: string): Promise<number> {
	let count = 0;
	for (const relative of PATCHED_FILES) {
		const file = path.join(pkg, relative);
		const source = await fs.readFile(file, 'utf8').catch(() => {
			throw new NativeInstallError(
				'stage',
				`${file} is missing: not the tfjs-node 4.22.0 layout this installer patches`,
				'report this with the output of: npx resnet18 native install --force',
			);
		});
		const calls = source.split(CALL).length - 1;
		if (calls === 0 && !source.includes(REPLACEMENT))
			throw new NativeInstallError(
				'stage',
				`${file} has no util.isNullOrUndefined call to patch: not the tfjs-node 4.22.0 this installer knows`,
				'report this with the output of: npx resnet18 native install --force',
			);
		await fs.writeFile(file, source.split(CALL).join(REPLACEMENT));
		count += calls;
	}
	return count;
}
