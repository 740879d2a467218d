/**
 * Where named models live, so that every n8n worker (on one host or many) sees the same versions and the same live
 * pointer: a folder (local, or a shared NFS / Kubernetes RWX mount) or a Postgres database. Both keep every version
 * (a retrain adds one, a rollback moves the pointer back), and each version keeps every precision written for it.
 */

import type { Precision } from '../model-file/precision';

export { PRECISIONS, isPrecision, type Precision } from '../model-file/precision';

export interface StoredVersion {
	readonly name: string;
	readonly version: number;
	readonly precisions: readonly Precision[];
	/** Size of the float32 file in bytes. */
	readonly bytes: number;
	/** Where it is: a file path for a folder, `postgres <schema> <name> v<N>` for Postgres (for messages only). */
	readonly location: string;
}

/** What the saver knows about the version; kept beside it (Postgres: a JSON column) for listings. */
export interface VersionInfo {
	readonly validationAccuracy?: number | null;
	readonly classes?: readonly string[];
}

/**
 * How a publish moves the pointer. `forward`: only to a newer version than the live one (a retrain; of two
 * retrains publishing at once, the newer wins, whatever the order they arrive in). `set`: to exactly this version
 * (a rollback, `resnet18 models live NAME VERSION`).
 */
export type PublishMode = 'forward' | 'set';

export interface PublishResult {
	/** The version live after the call. */
	readonly live: number;
	readonly previous: number | null;
	/** False when `forward` found an equal or newer version already live. */
	readonly moved: boolean;
}

export interface ModelStore {
	/** `folder` or `postgres`. */
	readonly kind: 'folder' | 'postgres';
	/** For messages and outputs: `folder /data/models`, `postgres 127.0.0.1:5432/n8n schema resnet18`. */
	readonly description: string;
	/** Identifies the store in cache keys: two stores with the same id hold the same models. */
	readonly id: string;
	/** Refuse now, before hours of training, when `name` could not be saved (no write access, no database). */
	checkWritable(name: string): Promise<void>;
	/** Versions of `name`, oldest first. */
	listVersions(name: string): Promise<StoredVersion[]>;
	/** The version that serves, or undefined when none does (no version yet, or none passed the publish check). */
	liveVersion(name: string): Promise<StoredVersion | undefined>;
	/**
	 * Store `float32Bytes` (a serialized model file) as the next version. Two savers at once get two numbers; a killed
	 * save leaves no version behind. The new version is not live until published.
	 */
	saveVersion(name: string, float32Bytes: Uint8Array, info?: VersionInfo): Promise<StoredVersion>;
	/** Keep another precision of an existing version (issue 11/14's fp16 and int8 files). */
	addPrecision(
		name: string,
		version: number,
		precision: Precision,
		bytes: Uint8Array,
	): Promise<void>;
	/** The bytes of one precision of one version. */
	readVersion(name: string, version: number, precision?: Precision): Promise<Uint8Array>;
	/** Move the live pointer; atomic, and safe when several workers publish at once. */
	publish(name: string, version: number, mode: PublishMode): Promise<PublishResult>;
	/** Release connections (Postgres); a folder has none. */
	close(): Promise<void>;
}
