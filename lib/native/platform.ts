import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { NativeInstallError } from '../errors';

/** What the platform check looks at, as data: gathered from this host, or fixtures in tests. */
export interface PlatformFacts {
	readonly platform: string;
	readonly arch: string;
	/** `process.report.getReport().header.glibcVersionRuntime`: Node sets it only when it runs on glibc. */
	readonly glibcVersionRuntime?: string;
	/** Output of `ldd --version` (stdout and stderr: musl's ldd prints to stderr), or undefined without ldd. */
	readonly lddVersionText?: string;
	/** Entries of /lib named `ld-musl-*` (musl's dynamic loader). */
	readonly muslLoaders: readonly string[];
}

export type Libc =
	{ readonly libc: 'glibc'; readonly version?: string } | { readonly libc: 'musl' };

/** The C library, from any one of the signs; musl wins when any sign says musl (Alpine's Node has no glibc report). */
export function detectLibc(facts: PlatformFacts): Libc | undefined {
	const ldd = facts.lddVersionText ?? '';
	if (facts.muslLoaders.length > 0 || /\bmusl\b/i.test(ldd)) return { libc: 'musl' };
	if (facts.glibcVersionRuntime) return { libc: 'glibc', version: facts.glibcVersionRuntime };
	const glibc = /(?:GNU libc|GLIBC|glibc)[^\n]*?(\d+\.\d+)/i.exec(ldd);
	if (glibc) return { libc: 'glibc', version: glibc[1] };
	return undefined;
}

/** TensorFlow's manylinux_2_27 wheels need glibc ≥ 2.27 on x86-64 Linux; anything else gets the reason and the fix. */
export function checkPlatform(facts: PlatformFacts): { libc: 'glibc'; version?: string } {
	if (facts.platform !== 'linux' || facts.arch !== 'x64')
		throw new NativeInstallError(
			'platform',
			`this builds for Linux x86-64 only, this is ${facts.platform}/${facts.arch}`,
			'run it on a Linux x86-64 host or image (the wasm backend works everywhere)',
		);
	const libc = detectLibc(facts);
	if (libc?.libc === 'musl')
		throw new NativeInstallError(
			'platform',
			'this system uses musl libc (Alpine); TensorFlow publishes no musl build',
			'use a Debian-based image (e.g. node:20-bookworm, or docker/Dockerfile of this package)',
		);
	if (!libc)
		throw new NativeInstallError(
			'platform',
			'could not tell which C library this system uses (no glibc report from Node, no ldd)',
			'use a Debian- or Ubuntu-based system with glibc ≥ 2.27',
		);
	const [major, minor] = (libc.version ?? '').split('.').map(Number);
	if (libc.version && (major < 2 || (major === 2 && minor < 27)))
		throw new NativeInstallError(
			'platform',
			`glibc ${libc.version} is older than the 2.27 TensorFlow's wheels need`,
			'use a newer distribution (Debian 10+, Ubuntu 18.04+)',
		);
	return libc;
}

/** The facts of this host. */
export function hostPlatformFacts(): PlatformFacts {
	const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } })
		?.header;
	let lddVersionText: string | undefined;
	try {
		lddVersionText = execFileSync('ldd', ['--version'], {
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
		});
	} catch (error) {
		// musl's ldd exits 1 and prints its banner on stderr.
		const e = error as { stdout?: string; stderr?: string; code?: string };
		if (e.code !== 'ENOENT') lddVersionText = `${e.stdout ?? ''}${e.stderr ?? ''}`;
	}
	let muslLoaders: string[] = [];
	try {
		muslLoaders = fs.readdirSync('/lib').filter((name) => name.startsWith('ld-musl-'));
	} catch {
		// no /lib: nothing to say
	}
	return {
		platform: process.platform,
		arch: process.arch,
		glibcVersionRuntime: header?.glibcVersionRuntime,
		lddVersionText,
		muslLoaders,
	};
}
