import type { Precision } from '../model-file/precision';
import type { ModelStore, PublishResult, StoredVersion, VersionInfo } from './model-store';

/** Another precision of the version (float16, int8), stored with it before it can go live. */
export interface OtherPrecision {
	readonly precision: Precision;
	readonly bytes: Uint8Array;
}

/**
 * Save a trained model as the next version and publish it when it is good enough: what a (scheduled) retrain does.
 * A version below the minimum validation accuracy is kept (to inspect, or to publish by hand) but does not serve;
 * the live one stays. Publishing moves the pointer forward only, so of two retrains finishing at once the newer
 * version serves, whichever publishes last.
 */
export interface GateOutcome {
	/** As saved, with the other precisions stored with it. */
	readonly saved: StoredVersion;
	readonly published: boolean;
	readonly previousLive: number | null;
	readonly live: number | null;
	readonly reason: string;
}

export async function saveAndPublish(
	store: ModelStore,
	name: string,
	bytes: Uint8Array,
	validationAccuracy: number | undefined,
	minAccuracy: number,
	info: VersionInfo = {},
	others: readonly OtherPrecision[] = [],
): Promise<GateOutcome> {
	const before = await store.liveVersion(name);
	const stored = await store.saveVersion(name, bytes, {
		validationAccuracy: validationAccuracy ?? null,
		...info,
	});
	// Before the publish: a worker told to serve int8 must find it the moment the version is live.
	for (const other of others)
		await store.addPrecision(name, stored.version, other.precision, other.bytes);
	const saved: StoredVersion = {
		...stored,
		precisions: [...stored.precisions, ...others.map((o) => o.precision)],
	};
	const passes =
		minAccuracy === 0 || (validationAccuracy !== undefined && validationAccuracy >= minAccuracy);
	if (!passes) {
		const live = await store.liveVersion(name);
		return {
			saved,
			published: false,
			previousLive: before?.version ?? null,
			live: live?.version ?? null,
			reason: `kept back: validation accuracy ${validationAccuracy === undefined ? 'unknown (no validation images)' : validationAccuracy.toFixed(3)} < ${minAccuracy}; ${live ? `v${live.version} stays live` : 'no version is live'}`,
		};
	}
	const result: PublishResult = await store.publish(name, saved.version, 'forward');
	const why =
		minAccuracy === 0
			? 'no minimum accuracy set'
			: `validation accuracy ${validationAccuracy!.toFixed(3)} ≥ ${minAccuracy}`;
	return {
		saved,
		published: result.moved,
		previousLive: result.previous,
		live: result.live,
		reason: result.moved
			? `published (${why})`
			: `not published: v${result.live} is newer and already live (${why})`,
	};
}
