import * as fs from 'node:fs';
import * as path from 'node:path';

/** What a native install was built from, kept in the installed package's folder. */
export interface NativeStamp {
	readonly npmPackage: string;
	readonly npmVersion: string;
	readonly tfVersion: string;
	readonly wheel: string;
	readonly wheelSha256: string;
	readonly napiVersion: number;
	readonly node: string;
	readonly resnet18Version: string;
	readonly builtAt: string;
}

export const STAMP_FILE = '.resnet18-native.json';

/** The stamp of the install at `target`; a missing, unreadable or corrupt one means not installed (a rebuild fixes it). */
export function readStamp(target: string): NativeStamp | undefined {
	let parsed: unknown;
	try {
		parsed = JSON.parse(fs.readFileSync(path.join(target, STAMP_FILE), 'utf8'));
	} catch {
		return undefined;
	}
	// Valid JSON that is not a stamp (`null`, a number, a truncated rewrite by hand) is as good as none.
	if (typeof parsed !== 'object' || parsed === null) return undefined;
	const stamp = parsed as Record<string, unknown>;
	const strings = ['npmPackage', 'npmVersion', 'tfVersion', 'wheel', 'wheelSha256'];
	return strings.every((key) => typeof stamp[key] === 'string')
		? (parsed as NativeStamp)
		: undefined;
}

/** A stamp stands for the requested build when package, version and TensorFlow match, and the wheel when one is named. */
export function stampMatches(
	stamp: NativeStamp | undefined,
	wanted: { npmPackage: string; npmVersion: string; tfVersion: string; wheelSha256?: string },
): stamp is NativeStamp {
	return (
		stamp !== undefined &&
		stamp.npmPackage === wanted.npmPackage &&
		stamp.npmVersion === wanted.npmVersion &&
		stamp.tfVersion === wanted.tfVersion &&
		(wanted.wheelSha256 === undefined || stamp.wheelSha256 === wanted.wheelSha256)
	);
}
