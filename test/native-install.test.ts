import { afterAll, beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { NativeInstallError, Resnet18Error } from '../lib/errors';
import { patchForCurrentNode } from '../lib/native/node-compat';
import { placeAtomically } from '../lib/native/place';
import { checkPlatform, detectLibc, type PlatformFacts } from '../lib/native/platform';
import { readStamp, STAMP_FILE, stampMatches, type NativeStamp } from '../lib/native/stamp';
import { checkToolchain } from '../lib/native/toolchain';
import { CPU_VARIANT, GPU_VARIANT } from '../lib/native/variant';
import { acquireWheels } from '../lib/native/wheel-acquire';
import { extractWheel, listWheel } from '../lib/native/wheel-members';
import { checkWheelMembers, checkWheelName, LIBTENSORFLOW_MEMBERS } from '../lib/native/wheel-name';
import { tempDir } from './support/temp';

// `ldd --version` as these systems print it (musl's on stderr, which hostPlatformFacts joins in).
const LDD_ALPINE_MUSL =
	'musl libc (x86_64)\nVersion 1.2.4\nDynamic Program Loader\nUsage: ldd [options] [--] pathname\n';
const LDD_DEBIAN_12 =
	'ldd (Debian GLIBC 2.36-9+deb12u7) 2.36\nCopyright (C) 2022 Free Software Foundation, Inc.\n' +
	'This is free software; see the source for copying conditions.  There is NO\n' +
	'warranty; not even for MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.\n' +
	'Written by Roland McGrath and Ulrich Drepper.\n';
const LDD_CENTOS_7 =
	'ldd (GNU libc) 2.17\nCopyright (C) 2012 Free Software Foundation, Inc.\n' +
	'This is free software; see the source for copying conditions.  There is NO\n' +
	'warranty; not even for MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.\n' +
	'Written by Roland McGrath and Ulrich Drepper.\n';

const linux = (facts: Partial<PlatformFacts>): PlatformFacts => ({
	platform: 'linux',
	arch: 'x64',
	muslLoaders: [],
	...facts,
});

/** Runs `fn`, expecting a NativeInstallError of `step` whose message holds every one of `parts`. */
async function rejectsNative(
	fn: () => unknown,
	step: string,
	...parts: string[]
): Promise<NativeInstallError> {
	let caught: unknown;
	try {
		await fn();
	} catch (error) {
		caught = error;
	}
	assert.ok(caught instanceof NativeInstallError, `expected a NativeInstallError, got ${caught}`);
	assert.equal(caught.step, step);
	for (const part of parts) assert.ok(caught.message.includes(part), `${caught.message} ∌ ${part}`);
	return caught;
}

describe('platform: which C library, and whether TensorFlow runs on it', () => {
	it('reads Alpine musl from its ldd banner (stderr) and refuses it, naming a Debian image', async () => {
		assert.deepEqual(detectLibc(linux({ lddVersionText: LDD_ALPINE_MUSL })), { libc: 'musl' });
		const error = await rejectsNative(
			() => checkPlatform(linux({ lddVersionText: LDD_ALPINE_MUSL })),
			'platform',
			'musl',
		);
		assert.match(error.fix, /node:20-bookworm/);
	});

	it('takes a musl loader in /lib alone as musl', async () => {
		const facts = linux({ muslLoaders: ['ld-musl-x86_64.so.1'] });
		assert.deepEqual(detectLibc(facts), { libc: 'musl' });
		await rejectsNative(() => checkPlatform(facts), 'platform', 'musl', 'Debian-based image');
	});

	it('accepts Debian 12 glibc 2.36, from ldd or from Node’s report', () => {
		assert.deepEqual(checkPlatform(linux({ lddVersionText: LDD_DEBIAN_12 })), {
			libc: 'glibc',
			version: '2.36',
		});
		assert.deepEqual(checkPlatform(linux({ glibcVersionRuntime: '2.36' })), {
			libc: 'glibc',
			version: '2.36',
		});
	});

	it('refuses glibc 2.17 as too old, naming a newer distribution', async () => {
		assert.deepEqual(detectLibc(linux({ lddVersionText: LDD_CENTOS_7 })), {
			libc: 'glibc',
			version: '2.17',
		});
		const error = await rejectsNative(
			() => checkPlatform(linux({ lddVersionText: LDD_CENTOS_7 })),
			'platform',
			'glibc 2.17',
			'2.27',
		);
		assert.match(error.fix, /Debian 10\+, Ubuntu 18\.04\+/);
	});

	it('refuses darwin/arm64, naming the platform and the wasm fallback', async () => {
		const error = await rejectsNative(
			() => checkPlatform({ platform: 'darwin', arch: 'arm64', muslLoaders: [] }),
			'platform',
			'darwin/arm64',
		);
		assert.match(error.fix, /Linux x86-64/);
		assert.ok(error instanceof Resnet18Error);
	});

	it('refuses a Linux that shows no sign of its C library', async () => {
		await rejectsNative(() => checkPlatform(linux({})), 'platform', 'could not tell', '2.27');
	});
});

describe('wheel name: the right TensorFlow for Linux x86-64', () => {
	const good = 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl';

	it('accepts the tensorflow-cpu 2.21 manylinux x86-64 wheel for the CPU build', () => {
		const name = checkWheelName(good, CPU_VARIANT);
		assert.equal(name.distribution, 'tensorflow_cpu');
		assert.equal(name.version, '2.21.0');
		assert.deepEqual(name.platforms, ['manylinux_2_27_x86_64']);
	});

	it('refuses another TensorFlow version, naming the file', async () => {
		const file = 'tensorflow_cpu-2.16.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl';
		await rejectsNative(() => checkWheelName(file, CPU_VARIANT), 'wheel', file, '2.16.1', '2.21.0');
	});

	it('refuses macOS and aarch64 wheels, naming the file and its platform', async () => {
		const mac = 'tensorflow-2.21.0-cp311-cp311-macosx_12_0_arm64.whl';
		await rejectsNative(() => checkWheelName(mac, CPU_VARIANT), 'wheel', mac, 'macosx_12_0_arm64');
		const arm = 'tensorflow-2.21.0-cp311-cp311-manylinux_2_27_aarch64.whl';
		await rejectsNative(() => checkWheelName(arm, CPU_VARIANT), 'wheel', arm, 'not Linux x86-64');
	});

	it('refuses the CPU wheel for --gpu unless the plumbing flag allows it', async () => {
		await rejectsNative(() => checkWheelName(good, GPU_VARIANT), 'wheel', good, 'no CUDA');
		assert.equal(
			checkWheelName(good, GPU_VARIANT, { allowCpuWheelForGpu: true }).distribution,
			'tensorflow_cpu',
		);
	});

	it('refuses a file that is no wheel, naming it and the pip command to get one', async () => {
		const error = await rejectsNative(
			() => checkWheelName('tensorflow-2.21.0.tar.gz', CPU_VARIANT),
			'wheel',
			'tensorflow-2.21.0.tar.gz',
			'not a wheel',
		);
		assert.match(error.fix, /pip download --no-deps tensorflow-cpu==2\.21\.0/);
	});
});

/** A real (tiny) zip, written as a .whl: member name → content. */
function writeWheel(file: string, members: Record<string, string>): string {
	const entries = Object.fromEntries(
		Object.entries(members).map(([name, text]) => [name, Buffer.from(text)]),
	);
	fs.writeFileSync(file, zipSync(entries));
	return file;
}

const FULL_MEMBERS: Record<string, string> = {
	...Object.fromEntries(LIBTENSORFLOW_MEMBERS.map((m) => [m, `contents of ${m}`])),
	'tensorflow/include/tensorflow/c/tf_tensor.h': '// tensor header',
	'tensorflow/python/__init__.py': '# not extracted',
	'tensorflow_cpu-2.21.0.dist-info/METADATA': 'Name: tensorflow-cpu\n',
};
const TF_RULES = [
	['tensorflow/libtensorflow_cc.so.2', 'deps/lib/libtensorflow_cc.so.2'],
	['tensorflow/include/', 'deps/include/'],
] as const;

describe('wheel members: the C library is inside, and extraction stays in its folder', () => {
	const dir = tempDir('resnet18-native-wheel-');
	const full = writeWheel(
		path.join(dir, 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl'),
		FULL_MEMBERS,
	);

	it('refuses a wheel without libtensorflow_cc.so.2, naming the member and the file', async () => {
		const { 'tensorflow/libtensorflow_cc.so.2': _dropped, ...rest } = FULL_MEMBERS;
		void _dropped;
		const lacking = writeWheel(path.join(dir, 'lacking.whl'), rest);
		const names = await listWheel('python3', lacking);
		assert.ok(!names.includes('tensorflow/libtensorflow_cc.so.2'));
		await rejectsNative(
			() => checkWheelMembers(lacking, names),
			'wheel',
			lacking,
			'tensorflow/libtensorflow_cc.so.2',
		);
	});

	it('accepts a wheel with every member', async () => {
		const names = await listWheel('python3', full);
		assert.equal(names.length, Object.keys(FULL_MEMBERS).length);
		assert.doesNotThrow(() => checkWheelMembers(full, names));
	});

	it('refuses a file that is not a zip, naming it', async () => {
		const bogus = path.join(dir, 'bogus.whl');
		fs.writeFileSync(bogus, 'this is not a zip');
		await rejectsNative(() => listWheel('python3', bogus), 'wheel', bogus, 'cannot be read');
	});

	it('extracts single members and whole folders where the rules say, and nothing else', async () => {
		const pkg = tempDir('resnet18-native-pkg-');
		await extractWheel('python3', full, pkg, TF_RULES);
		assert.equal(
			fs.readFileSync(path.join(pkg, 'deps/lib/libtensorflow_cc.so.2'), 'utf8'),
			'contents of tensorflow/libtensorflow_cc.so.2',
		);
		assert.equal(
			fs.readFileSync(path.join(pkg, 'deps/include/tensorflow/c/eager/c_api.h'), 'utf8'),
			'contents of tensorflow/include/tensorflow/c/eager/c_api.h',
		);
		assert.ok(fs.existsSync(path.join(pkg, 'deps/include/tensorflow/c/tf_tensor.h')));
		assert.deepEqual(fs.readdirSync(pkg), ['deps']);
		assert.deepEqual(fs.readdirSync(path.join(pkg, 'deps')).sort(), ['include', 'lib']);
	});

	it('refuses a member whose name climbs out of the folder (zip-slip), writing nothing outside', async () => {
		const root = tempDir('resnet18-native-slip-');
		const pkg = path.join(root, 'pkg');
		fs.mkdirSync(pkg);
		const evil = writeWheel(path.join(dir, 'evil.whl'), {
			'tensorflow/include/../../../evil': 'owned',
		});
		await rejectsNative(
			() => extractWheel('python3', evil, pkg, TF_RULES),
			'wheel',
			'../evil',
			'outside',
		);
		assert.deepEqual(fs.readdirSync(root), ['pkg']);
		assert.ok(!fs.existsSync(path.join(root, 'evil')));
		assert.ok(!fs.existsSync(path.join(path.dirname(root), 'evil')));
	});
});

describe('wheel acquisition from --wheel', () => {
	const dir = tempDir('resnet18-native-acquire-');
	const wheelBytes = zipSync(
		Object.fromEntries(Object.entries(FULL_MEMBERS).map(([k, v]) => [k, Buffer.from(v)])),
	);
	const served = '/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl';
	const requests: string[] = [];
	const server = http.createServer((req, res) => {
		requests.push(req.url ?? '');
		if (req.url === served)
			res.writeHead(200, { 'Content-Length': wheelBytes.length }).end(wheelBytes);
		else res.writeHead(404).end('not found');
	});
	let base = '';
	const log: string[] = [];
	const acquire = (wheel: string, into: string) =>
		acquireWheels({ wheel }, CPU_VARIANT, 'python3', into, (line) => log.push(line));

	beforeAll(async () => {
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		await new Promise<void>((resolve) => server.close(() => resolve()));
	});

	it('downloads a wheel URL intact into the download folder, under its own name', async () => {
		const into = path.join(dir, 'ok');
		fs.mkdirSync(into);
		const [file, ...more] = await acquire(`${base}${served}`, into);
		assert.equal(more.length, 0);
		assert.equal(file, path.join(into, served.slice(1)));
		assert.deepEqual(new Uint8Array(fs.readFileSync(file)), wheelBytes);
		assert.doesNotThrow(() => checkWheelMembers(file, Object.keys(FULL_MEMBERS)));
		assert.deepEqual(await listWheel('python3', file), Object.keys(FULL_MEMBERS));
		assert.ok(log.some((line) => line.includes(served)));
	});

	it('refuses a URL that does not name a .whl, without requesting it', async () => {
		const before = requests.length;
		await rejectsNative(
			() => acquire(`${base}/tensorflow.tar.gz`, dir),
			'wheel',
			'/tensorflow.tar.gz',
			'.whl',
		);
		assert.equal(requests.length, before);
	});

	it('reports a 404 with the URL and the status', async () => {
		const into = path.join(dir, 'missing');
		const url = `${base}/nope-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl`;
		await assert.rejects(acquire(url, into), (error: Error) => {
			assert.ok(error instanceof Resnet18Error);
			assert.ok(error.message.includes(url), error.message);
			assert.match(error.message, /HTTP 404/);
			return true;
		});
		assert.ok(!fs.existsSync(path.join(into, 'nope-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl')));
	});

	it('refuses a local wheel that does not exist, naming its full path', async () => {
		const missing = path.join(dir, 'not-here.whl');
		await rejectsNative(() => acquire(missing, dir), 'wheel', missing, 'does not exist');
	});

	it('returns an existing local wheel as its absolute path', async () => {
		const local = path.join(dir, 'local.whl');
		fs.writeFileSync(local, wheelBytes);
		assert.deepEqual(await acquire(path.relative(process.cwd(), local), dir), [local]);
	});
});

describe('stamp and placement', () => {
	const stamp: NativeStamp = {
		npmPackage: '@tensorflow/tfjs-node',
		npmVersion: '4.22.0',
		tfVersion: '2.21.0',
		wheel: 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl',
		wheelSha256: 'a'.repeat(64),
		napiVersion: 8,
		node: 'v20.20.2',
		resnet18Version: '0.0.0',
		builtAt: '2026-12-02T00:00:00.000Z',
	};
	const wanted = { ...CPU_VARIANT, wheelSha256: stamp.wheelSha256 };

	function packageDir(root: string, name: string, marker: string): string {
		const dir = path.join(root, name);
		fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
		fs.writeFileSync(path.join(dir, 'lib', 'binding.node'), marker);
		return dir;
	}

	it('matches only the same package, version, TensorFlow and (when named) wheel', () => {
		assert.equal(stampMatches(stamp, wanted), true);
		assert.equal(stampMatches(stamp, { ...wanted, wheelSha256: undefined }), true);
		assert.equal(stampMatches(stamp, { ...wanted, wheelSha256: 'b'.repeat(64) }), false);
		assert.equal(stampMatches(stamp, { ...wanted, npmVersion: '4.21.0' }), false);
		assert.equal(stampMatches(stamp, { ...wanted, npmPackage: GPU_VARIANT.npmPackage }), false);
		assert.equal(stampMatches(stamp, { ...wanted, tfVersion: '2.20.0' }), false);
		assert.equal(stampMatches(undefined, wanted), false);
	});

	it('reads a written stamp back, and a missing or corrupt one as not installed', () => {
		const root = tempDir('resnet18-native-stamp-');
		assert.equal(readStamp(root), undefined);
		fs.writeFileSync(path.join(root, STAMP_FILE), JSON.stringify(stamp));
		assert.deepEqual(readStamp(root), stamp);
		for (const corrupt of ['{"npmPackage": "@tensorflow/tf', '', 'null', '42', '["x"]', '{}']) {
			fs.writeFileSync(path.join(root, STAMP_FILE), corrupt);
			assert.equal(readStamp(root), undefined, `stamp ${JSON.stringify(corrupt)}`);
			assert.equal(stampMatches(readStamp(root), wanted), false);
		}
	});

	it('places a built package where none was', async () => {
		const root = tempDir('resnet18-native-place-');
		const built = packageDir(root, '.tfjs-node.stage', 'new');
		const target = path.join(root, 'tfjs-node');
		await placeAtomically(built, target);
		assert.equal(fs.readFileSync(path.join(target, 'lib', 'binding.node'), 'utf8'), 'new');
		assert.deepEqual(fs.readdirSync(root), ['tfjs-node']);
	});

	it('replaces an existing package whole and removes the old one', async () => {
		const root = tempDir('resnet18-native-place-');
		const target = packageDir(root, 'tfjs-node', 'old');
		fs.writeFileSync(path.join(target, 'only-in-old'), 'x');
		const built = packageDir(root, '.tfjs-node.stage', 'new');
		await placeAtomically(built, target);
		assert.equal(fs.readFileSync(path.join(target, 'lib', 'binding.node'), 'utf8'), 'new');
		assert.ok(!fs.existsSync(path.join(target, 'only-in-old')));
		assert.deepEqual(fs.readdirSync(root), ['tfjs-node']);
	});

	it('leaves the old package intact when the built one is missing', async () => {
		const root = tempDir('resnet18-native-place-');
		const target = packageDir(root, 'tfjs-node', 'old');
		await assert.rejects(placeAtomically(path.join(root, '.tfjs-node.gone'), target), {
			code: 'ENOENT',
		});
		assert.equal(fs.readFileSync(path.join(target, 'lib', 'binding.node'), 'utf8'), 'old');
		assert.deepEqual(fs.readdirSync(root), ['tfjs-node']);
	});
});

describe('toolchain: what is missing, and the command that installs it', () => {
	/** A folder of stand-in programs that succeed, to make a PATH with exactly these. */
	function binDir(...programs: string[]): string {
		const dir = tempDir('resnet18-native-bin-');
		for (const program of programs)
			fs.writeFileSync(path.join(dir, program), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
		return dir;
	}

	it('names build-essential when there is no C++ compiler', async () => {
		const error = await rejectsNative(
			() => checkToolchain({ PATH: binDir('make', 'python3') }),
			'toolchain',
			'no C++ compiler (g++)',
		);
		assert.match(error.fix, /apt-get install -y build-essential python3/);
	});

	it('names the compiler CXX asks for', async () => {
		await rejectsNative(
			() => checkToolchain({ PATH: binDir('g++', 'make', 'python3'), CXX: 'clang++-99' }),
			'toolchain',
			'clang++-99',
			'build-essential',
		);
	});

	it('names build-essential when make is missing', async () => {
		await rejectsNative(
			() => checkToolchain({ PATH: binDir('g++', 'python3') }),
			'toolchain',
			'make not found',
			'build-essential',
		);
	});

	it('names python3 when it is missing (node-gyp needs it)', async () => {
		const error = await rejectsNative(
			() => checkToolchain({ PATH: binDir('c++', 'make') }),
			'toolchain',
			'python3 not found',
			'node-gyp',
		);
		assert.match(error.fix, /python3/);
	});
});

describe('Node 23+ compatibility of tfjs-node 4.22 (util.isNullOrUndefined is gone)', () => {
	const write = (pkg: string, source: string) => {
		for (const file of ['dist/nodejs_kernel_backend.js', 'dist/kernels/TopK.js']) {
			fs.mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true });
			fs.writeFileSync(path.join(pkg, file), source);
		}
	};

	it('rewrites every call to the plain null test, which runs where util has no such function', async () => {
		const pkg = path.join(tempDir(), 'tfjs-node');
		write(
			pkg,
			'var util_1 = require("util");\nexports.f = (x) => (0, util_1.isNullOrUndefined)(x) ? 1 : (0, util_1.isNullOrUndefined)(x.k) ? 2 : 3;\n',
		);
		assert.equal(await patchForCurrentNode(pkg), 4);
		const patched = fs.readFileSync(path.join(pkg, 'dist/kernels/TopK.js'), 'utf8');
		assert.doesNotMatch(patched, /util_1\.isNullOrUndefined/);
		const mod = { exports: {} as { f?: (x: unknown) => number } };
		new Function('exports', 'require', patched)(mod.exports, () => ({}));
		assert.deepEqual(
			[mod.exports.f!(null), mod.exports.f!({}), mod.exports.f!({ k: 0 })],
			[1, 2, 3],
		);
		assert.equal(
			await patchForCurrentNode(pkg),
			0,
			'a second run finds nothing left and is no error',
		);
	});

	it('refuses a tfjs-node whose files it does not know, naming the file', async () => {
		const pkg = path.join(tempDir(), 'other');
		write(pkg, 'module.exports = 1;\n');
		await assert.rejects(
			patchForCurrentNode(pkg),
			(e: unknown) =>
				e instanceof NativeInstallError && /nodejs_kernel_backend\.js/.test(e.message),
		);
	});
});
