import { NATIVE_PACKAGES, activeBackend } from '../compute/backend';
import type * as tf from '../compute/tf';
import { BackendUnavailableError } from '../errors';
import type { GraphProto } from './proto';

/** A SavedModel session as tfjs-node's `tf.node.loadSavedModel` returns it (one signature's inputs and outputs). */
export interface SavedModelSession {
	predict(input: tf.Tensor): tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
	dispose(): void;
}

export interface TfjsNode {
	readonly proto: GraphProto;
	loadSavedModel(dir: string, tags: string[], signature: string): Promise<SavedModelSession>;
}

interface TfjsNodeModule {
	readonly node: {
		loadSavedModel(dir: string, tags: string[], signature: string): Promise<SavedModelSession>;
	};
}

/**
 * The native package that runs tfjs's `tensorflow` backend now (tfjs-node-gpu when the GPU backend was chosen), found
 * as lib/compute/backend.ts found it, so that its already loaded copy comes back; its protobuf messages come from the
 * same folder.
 */
export function tfjsNode(): TfjsNode {
	const kind = activeBackend()?.kind;
	if (kind !== 'gpu' && kind !== 'cpu-native')
		throw new BackendUnavailableError(
			kind ?? 'none',
			`the native TensorFlow backend is not running (backend: ${kind ?? 'none'})`,
		);
	const pkg = NATIVE_PACKAGES[kind];
	const main = require.resolve(pkg, { paths: [__dirname] });
	const protoPath = require.resolve(`${pkg}/dist/proto/api_pb`, { paths: [__dirname] });
	// Paths found at run time (the native packages are optional): only require() can load them.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const module = require(main) as TfjsNodeModule;
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const proto = require(protoPath) as GraphProto;
	return {
		proto,
		loadSavedModel: (dir, tags, signature) => module.node.loadSavedModel(dir, tags, signature),
	};
}
