import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { NativeInstallError } from '../errors';
import { hashFile } from '../hash-file';
import { packageVersion } from '../version';
import {
	bundleRuntimeDeps,
	buildBinding,
	layoutDeps,
	linkNvidiaLibraries,
	napiVersion,
	stageInstall,
} from './build-binding';
import { patchForCurrentNode } from './node-compat';
import { nativeTarget, packageRoot } from './package-root';
import { checkPlatform, hostPlatformFacts } from './platform';
import { placeAtomically, scratchBeside } from './place';
import { runCommand } from './run-command';
import { readStamp, stampMatches, STAMP_FILE, type NativeStamp } from './stamp';
import { checkToolchain } from './toolchain';
import { acquireWheels, type WheelSource } from './wheel-acquire';
import { extractWheel, listWheel } from './wheel-members';
import { checkWheelMembers, checkWheelName } from './wheel-name';
import { variantFor } from './variant';

export interface NativeInstallOptions extends WheelSource {
	readonly gpu?: boolean;
	readonly force?: boolean;
	/** Plumbing check only: build the GPU package against a CPU wheel (no nvidia wheels). */
	readonly allowCpuWheelForGpu?: boolean;
	/** Our package's folder (default: found from this file). */
	readonly root?: string;
	readonly log?: (line: string) => void;
}

export interface VerifyResult {
	readonly backend?: string;
	readonly tfVersion?: string;
	readonly maxDelta?: number;
	readonly ms?: number;
	readonly note?: string;
	readonly error?: string;
}

export interface NativeInstallResult {
	readonly target: string;
	readonly alreadyInstalled: boolean;
	readonly verify: VerifyResult;
	readonly seconds: number;
	readonly stamp: NativeStamp;
}

/** Load the installed package in a child process through our backend selection; compare against WebAssembly. */
export async function verifyNative(gpu: boolean): Promise<VerifyResult> {
	const r = await runCommand(
		process.execPath,
		[path.join(__dirname, 'verify-child.js'), gpu ? 'gpu' : 'cpu-native'],
		{
			env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
		},
	);
	const line = r.stdout.trim().split('\n').pop() ?? '';
	try {
		return JSON.parse(line) as VerifyResult;
	} catch {
		return {
			error: `verification child exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`,
		};
	}
}

export async function installNative(
	options: NativeInstallOptions = {},
): Promise<NativeInstallResult> {
	const started = Date.now();
	const log = options.log ?? (() => undefined);
	const variant = variantFor(options.gpu ?? false);
	checkPlatform(hostPlatformFacts());
	const root = options.root ?? packageRoot();
	const target = nativeTarget(root, variant.npmPackage);
	const localWheel =
		options.wheel && !/^https?:\/\//i.test(options.wheel) ? path.resolve(options.wheel) : undefined;
	if (localWheel) checkWheelName(path.basename(localWheel), variant, options);

	const existing = readStamp(target);
	if (!options.force && existing) {
		const wheelSha256 = localWheel ? await hashFile(localWheel) : undefined;
		if (stampMatches(existing, { ...variant, wheelSha256 })) {
			const verify = await verifyNative(variant.kind === 'gpu');
			if (!verify.error)
				return {
					target,
					alreadyInstalled: true,
					verify,
					seconds: (Date.now() - started) / 1000,
					stamp: existing,
				};
			log(`The installed build does not load (${verify.error}); rebuilding`);
		}
	}

	const toolchain = await checkToolchain();
	await fs.mkdir(path.dirname(target), { recursive: true });
	const stage = await scratchBeside(target, 'stage');
	const downloads = await fs.mkdtemp(path.join(os.tmpdir(), 'resnet18-wheel-'));
	try {
		const wheels = await acquireWheels(options, variant, toolchain.python, downloads, log);
		const [tfWheel, ...nvidia] = wheels;
		if (!tfWheel)
			throw new NativeInstallError(
				'wheel',
				'pip downloaded no TensorFlow wheel',
				'pass --wheel <file|URL>',
			);
		const name = checkWheelName(path.basename(tfWheel), variant, options);
		checkWheelMembers(tfWheel, await listWheel(toolchain.python, tfWheel));
		if (variant.kind === 'gpu' && nvidia.length === 0 && !options.allowCpuWheelForGpu)
			throw new NativeInstallError(
				'wheel',
				'no nvidia-*-cu12 wheels for the CUDA build',
				`let pip fetch them (no --wheel: pip download "${variant.pipRequirement}")`,
			);
		log(`npm install ${variant.npmPackage}@${variant.npmVersion} (install scripts off)`);
		const pkg = await stageInstall(stage, variant);
		log(`Extracting libtensorflow from ${name.file}`);
		await extractWheel(toolchain.python, tfWheel, pkg, [
			['tensorflow/libtensorflow_cc.so.2', 'deps/lib/libtensorflow_cc.so.2'],
			['tensorflow/libtensorflow_framework.so.2', 'deps/lib/libtensorflow_framework.so.2'],
			['tensorflow/include/', 'deps/include/'],
		]);
		for (const wheel of nvidia)
			await extractWheel(toolchain.python, wheel, pkg, [['nvidia/', 'deps/nvidia/']]);
		await layoutDeps(pkg);
		if (nvidia.length > 0)
			log(`Linked ${await linkNvidiaLibraries(pkg)} CUDA libraries into deps/lib`);
		const napi = await napiVersion(pkg);
		log(`Building the binding (node-gyp, N-API ${napi})`);
		await buildBinding(pkg, toolchain, napi, log);
		await bundleRuntimeDeps(path.join(stage, 'node_modules'), pkg);
		log(
			`Patched ${await patchForCurrentNode(pkg)} util.isNullOrUndefined calls (removed in Node 23)`,
		);
		const stamp: NativeStamp = {
			npmPackage: variant.npmPackage,
			npmVersion: variant.npmVersion,
			tfVersion: name.version,
			wheel: name.file,
			wheelSha256: await hashFile(tfWheel),
			napiVersion: napi,
			node: process.version,
			resnet18Version: packageVersion(),
			builtAt: new Date().toISOString(),
		};
		await fs.writeFile(path.join(pkg, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
		const built = path.join(stage, 'built');
		await fs.rename(pkg, built);
		await placeAtomically(built, target);
		const verify = await verifyNative(variant.kind === 'gpu');
		if (verify.error) {
			// A build that does not run must not stay where `auto` would pick it up.
			await fs.rm(target, { recursive: true, force: true });
			throw new NativeInstallError(
				'verify',
				`built ${variant.npmPackage} but it does not run (removed again): ${verify.error}`,
				'report this with the output of: npx resnet18 native install --force',
			);
		}
		return {
			target,
			alreadyInstalled: false,
			verify,
			seconds: (Date.now() - started) / 1000,
			stamp,
		};
	} finally {
		await fs.rm(stage, { recursive: true, force: true });
		await fs.rm(downloads, { recursive: true, force: true });
	}
}
