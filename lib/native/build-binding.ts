import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { NativeInstallError } from '../errors';
import { runCommand, tail } from './run-command';
import type { Toolchain } from './toolchain';
import type { NativeVariant } from './variant';

/** npm install of the package alone, install scripts off (they would download libtensorflow 2.9 from Google). */
export async function stageInstall(stage: string, variant: NativeVariant): Promise<string> {
	await fs.writeFile(
		path.join(stage, 'package.json'),
		'{"name":"resnet18-native-stage","private":true}\n',
	);
	const npmCli =
		process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)
			? process.env.npm_execpath
			: undefined;
	const args = [
		'install',
		'--ignore-scripts',
		'--no-audit',
		'--no-fund',
		'--no-save',
		`${variant.npmPackage}@${variant.npmVersion}`,
	];
	const r = npmCli
		? await runCommand(process.execPath, [npmCli, ...args], { cwd: stage })
		: await runCommand('npm', args, { cwd: stage });
	if (r.code !== 0)
		throw new NativeInstallError(
			'stage',
			`npm install ${variant.npmPackage}@${variant.npmVersion} failed (${tail(r.stderr, 4)})`,
			'check access to the npm registry (npm config get registry)',
		);
	return path.join(stage, 'node_modules', ...variant.npmPackage.split('/'));
}

/** deps/lib as tfjs-node's binding.gyp links it (-ltensorflow -ltensorflow_framework, RUNPATH $ORIGIN/../../deps/lib). */
export async function layoutDeps(pkg: string): Promise<void> {
	const lib = path.join(pkg, 'deps', 'lib');
	const links: [string, string][] = [
		['libtensorflow_cc.so.2', 'libtensorflow.so.2'],
		['libtensorflow.so.2', 'libtensorflow.so'],
		['libtensorflow_framework.so.2', 'libtensorflow_framework.so'],
	];
	for (const [to, name] of links) {
		await fs.rm(path.join(lib, name), { force: true });
		await fs.symlink(to, path.join(lib, name));
	}
}

/** The libraries of the nvidia-* wheels, linked into deps/lib where libtensorflow's RUNPATH ($ORIGIN) finds them. */
export async function linkNvidiaLibraries(pkg: string): Promise<number> {
	const root = path.join(pkg, 'deps', 'nvidia');
	let count = 0;
	const entries = await fs.readdir(root).catch(() => [] as string[]);
	for (const name of entries) {
		const libDir = path.join(root, name, 'lib');
		for (const file of await fs.readdir(libDir).catch(() => [] as string[])) {
			if (!/\.so(\.|$)/.test(file)) continue;
			const link = path.join(pkg, 'deps', 'lib', file);
			await fs.rm(link, { force: true });
			await fs.symlink(path.relative(path.dirname(link), path.join(libDir, file)), link);
			count++;
		}
	}
	return count;
}

/** The highest N-API version both tfjs-node and this Node support (what its loader looks for: lib/napi-v<N>). */
export async function napiVersion(pkg: string): Promise<number> {
	const json = JSON.parse(await fs.readFile(path.join(pkg, 'package.json'), 'utf8')) as {
		binary?: { napi_versions?: number[] };
	};
	const node = Number(process.versions.napi);
	const ok = (json.binary?.napi_versions ?? [8]).filter((v) => v <= node);
	return Math.max(...ok);
}

export async function buildBinding(
	pkg: string,
	toolchain: Toolchain,
	napi: number,
	log: (line: string) => void,
): Promise<void> {
	const r = await runCommand(
		process.execPath,
		[
			toolchain.nodeGyp,
			'rebuild',
			`--nodedir=${toolchain.nodedir}`,
			`--python=${toolchain.python}`,
			'--module_name=tfjs_binding',
			`--module_path=${path.join(pkg, 'lib', `napi-v${napi}`)}`,
			`--napi_build_version=${napi}`,
		],
		{ cwd: pkg, onLine: (line) => /^gyp (ERR|info ok)/.test(line) && log(line) },
	);
	if (r.code !== 0)
		throw new NativeInstallError(
			'build',
			`node-gyp failed (${tail(r.stderr, 10)})`,
			'apt-get install -y build-essential python3 (Debian/Ubuntu); then run again',
		);
	// Headers and objects are only needed to build: 287 MB of headers go.
	await fs.rm(path.join(pkg, 'deps', 'include'), { recursive: true, force: true });
	await fs.rm(path.join(pkg, 'build'), { recursive: true, force: true });
}

/**
 * The staged package's runtime dependencies move into its own node_modules, except @tensorflow/*: those must resolve
 * to our copies (the backend registers on the tfjs-core it resolves).
 */
export async function bundleRuntimeDeps(stageModules: string, pkg: string): Promise<void> {
	const own = path.join(pkg, 'node_modules');
	await fs.mkdir(own, { recursive: true });
	for (const name of await fs.readdir(stageModules)) {
		if (name === '@tensorflow' || name.startsWith('.')) continue;
		const dest = path.join(own, name);
		if (name.startsWith('@')) {
			await fs.mkdir(dest, { recursive: true });
			for (const sub of await fs.readdir(path.join(stageModules, name))) {
				await fs
					.rename(path.join(stageModules, name, sub), path.join(dest, sub))
					.catch(() => undefined);
			}
		} else {
			await fs.rename(path.join(stageModules, name), dest).catch(() => undefined);
		}
	}
	await fs.rm(path.join(own, '@tensorflow'), { recursive: true, force: true });
}
