import { NativeInstallError } from '../errors';
import type { NativeVariant } from './variant';

/** A wheel's file name, split by PEP 427: `{dist}-{version}(-{build})?-{python}-{abi}-{platform}.whl`. */
export interface WheelName {
	readonly file: string;
	readonly distribution: string;
	readonly version: string;
	readonly python: string;
	readonly abi: string;
	readonly platforms: readonly string[];
}

export function parseWheelName(file: string): WheelName | undefined {
	const m = /^([^-]+)-([^-]+)(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$/.exec(file);
	if (!m) return undefined;
	return {
		file,
		distribution: m[1].toLowerCase().replace(/[-_.]+/g, '_'),
		version: m[2],
		python: m[3],
		abi: m[4],
		platforms: m[5].split('.'),
	};
}

/** The wheel carries the libtensorflow this variant builds against, for Linux x86-64; else the error says which to get. */
export function checkWheelName(
	file: string,
	variant: NativeVariant,
	options: { allowCpuWheelForGpu?: boolean } = {},
): WheelName {
	const wanted = `${variant.pipRequirement.replace(/\[.*\]/, '')} for Linux x86-64 (e.g. pip download --no-deps ${variant.pipRequirement.replace(/\[.*\]/, '')})`;
	const name = parseWheelName(file);
	if (!name)
		throw new NativeInstallError(
			'wheel',
			`${file} is not a wheel file name`,
			`pass --wheel with ${wanted}`,
		);
	const names =
		options.allowCpuWheelForGpu && variant.kind === 'gpu'
			? [...variant.wheelNames, 'tensorflow_cpu']
			: variant.wheelNames;
	if (!names.includes(name.distribution))
		throw new NativeInstallError(
			'wheel',
			`${file} is ${name.distribution}, not ${names.join(' or ')}${variant.kind === 'gpu' && name.distribution === 'tensorflow_cpu' ? ' (the CPU-only build has no CUDA)' : ''}`,
			`pass --wheel with ${wanted}`,
		);
	const [major, minor] = variant.tfVersion.split('.');
	if (!name.version.startsWith(`${major}.${minor}.`))
		throw new NativeInstallError(
			'wheel',
			`${file} is TensorFlow ${name.version}; this build is made and tested for ${variant.tfVersion}`,
			`pass --wheel with ${wanted}`,
		);
	if (!name.platforms.some((p) => /^(manylinux|linux)[\w.]*_x86_64$/.test(p)))
		throw new NativeInstallError(
			'wheel',
			`${file} is built for ${name.platforms.join(', ')}, not Linux x86-64`,
			`pass --wheel with ${wanted}`,
		);
	return name;
}

/** Members of the TensorFlow wheel the build needs. */
export const LIBTENSORFLOW_MEMBERS = [
	'tensorflow/libtensorflow_cc.so.2',
	'tensorflow/libtensorflow_framework.so.2',
	'tensorflow/include/tensorflow/c/c_api.h',
	'tensorflow/include/tensorflow/c/eager/c_api.h',
] as const;

/** The wheel holds every member the build needs; `names` is its member list. */
export function checkWheelMembers(file: string, names: readonly string[]): void {
	const have = new Set(names);
	const missing = LIBTENSORFLOW_MEMBERS.filter((m) => !have.has(m));
	if (missing.length > 0)
		throw new NativeInstallError(
			'wheel',
			`${file} lacks ${missing.join(', ')} (not a TensorFlow wheel with the C library, or truncated)`,
			'pass --wheel with the tensorflow-cpu (or tensorflow) 2.21 wheel for Linux x86-64, downloaded whole',
		);
}
