import * as fs from 'node:fs';
import * as path from 'node:path';
import { NativeInstallError } from '../errors';
import { runCommand } from './run-command';

/** What building tfjs-node's binding needs, found on this host. */
export interface Toolchain {
	/** The Node installation whose include/node has node_api.h (node-gyp's --nodedir: no header download). */
	readonly nodedir: string;
	/** node-gyp's entry script, run with this Node. */
	readonly nodeGyp: string;
	readonly python: string;
	readonly compiler: string;
}

const BUILD_ESSENTIALS = 'apt-get install -y build-essential python3 (Debian/Ubuntu)';

async function works(
	program: string,
	args: readonly string[],
	env: NodeJS.ProcessEnv,
): Promise<boolean> {
	return (await runCommand(program, args, { env })).code === 0;
}

/** Node's headers beside this Node binary (official tarballs, Debian's nodejs + libnode-dev, nvm): no download. */
export function findNodedir(execPath: string = process.execPath): string | undefined {
	const dir = path.dirname(path.dirname(execPath));
	return fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')) ? dir : undefined;
}

/**
 * npm's own node-gyp (npm bundles it to build addons): next to the npm this Node ships with, or the one npm runs from
 * (`npm_execpath` under npx/npm scripts), or one installed beside our package.
 */
export function findNodeGyp(execPath: string = process.execPath): string | undefined {
	const candidates: string[] = [];
	const execpath = process.env.npm_execpath;
	if (execpath) {
		// …/npm/bin/npm-cli.js or …/npm/bin/npx-cli.js
		candidates.push(
			path.join(
				path.dirname(path.dirname(execpath)),
				'node_modules',
				'node-gyp',
				'bin',
				'node-gyp.js',
			),
		);
	}
	const prefix = path.dirname(path.dirname(execPath));
	candidates.push(
		path.join(
			prefix,
			'lib',
			'node_modules',
			'npm',
			'node_modules',
			'node-gyp',
			'bin',
			'node-gyp.js',
		),
		path.join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
		'/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
		'/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
		'/usr/share/nodejs/node-gyp/bin/node-gyp.js',
	);
	try {
		candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [__dirname] }));
	} catch {
		// not installed beside us
	}
	return candidates.find((file) => fs.existsSync(file));
}

/** `env` is the environment the build runs with (its PATH, CXX, PYTHON): this host's unless a test gives one. */
export async function checkToolchain(env: NodeJS.ProcessEnv = process.env): Promise<Toolchain> {
	const compiler = env.CXX?.trim() || 'g++';
	if (
		!(await works(compiler, ['--version'], env)) &&
		!(compiler === 'g++' && (await works('c++', ['--version'], env)))
	)
		throw new NativeInstallError(
			'toolchain',
			`no C++ compiler (${compiler}) found`,
			BUILD_ESSENTIALS,
		);
	if (!(await works('make', ['--version'], env)))
		throw new NativeInstallError('toolchain', 'make not found', BUILD_ESSENTIALS);
	const python = env.PYTHON?.trim() || 'python3';
	if (!(await works(python, ['--version'], env)))
		throw new NativeInstallError(
			'toolchain',
			`${python} not found (node-gyp needs it)`,
			BUILD_ESSENTIALS,
		);
	const nodedir = findNodedir();
	if (!nodedir)
		throw new NativeInstallError(
			'toolchain',
			`no Node headers beside ${process.execPath} (include/node/node_api.h)`,
			"use Node's official binaries or image (node:20-bookworm), or install your distribution's Node development package (Debian: apt-get install libnode-dev)",
		);
	const nodeGyp = findNodeGyp();
	if (!nodeGyp)
		throw new NativeInstallError(
			'toolchain',
			"node-gyp not found (npm's bundled copy is missing)",
			'npm install -g node-gyp, or reinstall npm',
		);
	return { nodedir, nodeGyp, python, compiler };
}
