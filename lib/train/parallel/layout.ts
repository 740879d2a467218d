import type { ResNet18 } from '../../model/resnet18';
import * as tf from '../../compute/tf';

/**
 * Where each float tensor of a network lives in one flat Float32Array, so that weights and gradients cross between
 * threads as a single SharedArrayBuffer. Both sides build it from the same architecture, so the offsets agree.
 */
export interface FlatLayout {
	readonly entries: readonly {
		readonly name: string;
		readonly offset: number;
		readonly size: number;
		readonly shape: readonly number[];
		readonly trainable: boolean;
	}[];
	readonly total: number;
	readonly trainableTotal: number;
}

export function flatLayout(network: ResNet18): FlatLayout {
	let offset = 0;
	let trainableTotal = 0;
	// Trainable tensors first: gradients use the prefix [0, trainableTotal) of the same layout.
	const all = network.floatVariables();
	const ordered = [...all.filter((v) => v.trainable), ...all.filter((v) => !v.trainable)];
	const entries = ordered.map((v) => {
		const size = v.variable.size;
		const entry = { name: v.name, offset, size, shape: v.variable.shape, trainable: v.trainable };
		offset += size;
		if (v.trainable) trainableTotal += size;
		return entry;
	});
	return { entries, total: offset, trainableTotal };
}

/** Copy the network's current values into `target` (the flat weights). */
export async function writeWeights(
	network: ResNet18,
	layout: FlatLayout,
	target: Float32Array,
): Promise<void> {
	const byName = new Map(network.floatVariables().map((v) => [v.name, v.variable]));
	for (const e of layout.entries)
		target.set((await byName.get(e.name)!.data()) as Float32Array, e.offset);
}

/** Set the network's variables from the flat weights. */
export function readWeights(network: ResNet18, layout: FlatLayout, source: Float32Array): void {
	const byName = new Map(network.floatVariables().map((v) => [v.name, v.variable]));
	for (const e of layout.entries) {
		const value = tf.tensor(source.slice(e.offset, e.offset + e.size), [...e.shape]);
		byName.get(e.name)!.assign(value);
		value.dispose();
	}
}
