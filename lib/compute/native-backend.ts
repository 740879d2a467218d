import * as tf from './tf';

/**
 * tfjs-node's (and tfjs-node-gpu's) backend, reached past tfjs's kernel registry: it executes any TensorFlow op by
 * name. lib/model/native-ops.ts uses it for the fused ops tfjs has no kernel for, lib/train/native-adam.ts for
 * resource variables and TF's one-pass optimiser kernels.
 */

/** The part of tfjs-node's `NodeJSKernelBackend` used here (it is not typed for callers outside tfjs-node). */
export interface OpAttr {
	readonly name: string;
	readonly type: number;
	readonly value: number | boolean | string | readonly number[];
}
export interface NodeBackend {
	readonly binding: {
		readonly TF_ATTR_INT: number;
		readonly TF_ATTR_FLOAT: number;
		readonly TF_ATTR_BOOL: number;
		readonly TF_ATTR_STRING: number;
		readonly TF_ATTR_TYPE: number;
		readonly TF_ATTR_SHAPE: number;
		readonly TF_FLOAT: number;
	};
	executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
	executeMultipleOutputs(
		name: string,
		attrs: OpAttr[],
		inputs: tf.Tensor[],
		count: number,
	): tf.Tensor[];
}

/** tfjs's name for tfjs-node's (and tfjs-node-gpu's) backend. */
export const NATIVE_BACKEND = 'tensorflow';

export function onNativeBackend(): boolean {
	return tf.getBackend() === NATIVE_BACKEND;
}

export function nodeBackend(): NodeBackend {
	const backend = tf.backend() as unknown as Partial<NodeBackend>;
	if (tf.getBackend() !== NATIVE_BACKEND || typeof backend.executeSingleOutput !== 'function') {
		throw new Error(
			`internal: native TensorFlow op called on the "${tf.getBackend()}" backend (lib/compute/native-backend.ts)`,
		);
	}
	return backend as NodeBackend;
}

export const attrs = {
	type: (b: NodeBackend, name: string): OpAttr => ({
		name,
		type: b.binding.TF_ATTR_TYPE,
		value: b.binding.TF_FLOAT,
	}),
	float: (b: NodeBackend, name: string, value: number): OpAttr => ({
		name,
		type: b.binding.TF_ATTR_FLOAT,
		value,
	}),
	bool: (b: NodeBackend, name: string, value: boolean): OpAttr => ({
		name,
		type: b.binding.TF_ATTR_BOOL,
		value,
	}),
	string: (b: NodeBackend, name: string, value: string): OpAttr => ({
		name,
		type: b.binding.TF_ATTR_STRING,
		value,
	}),
	ints: (b: NodeBackend, name: string, value: readonly number[]): OpAttr => ({
		name,
		type: b.binding.TF_ATTR_INT,
		value,
	}),
	shape: (b: NodeBackend, name: string, value: readonly number[]): OpAttr => ({
		name,
		type: b.binding.TF_ATTR_SHAPE,
		value,
	}),
};
