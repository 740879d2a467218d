import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../compute/tf';
import type { ModelMetadata } from '../model-file/metadata';
import type { ResNet18 } from '../model/resnet18';
import {
	GRAPH_OUTPUTS,
	resnet18SavedModel,
	type GraphOptions,
	type GraphOutput,
} from '../native-graph/resnet18-graph';
import { tfjsNode, type SavedModelSession } from '../native-graph/tfjs-node';
import type { InferenceOutput } from './pool/messages';

/**
 * On the native TensorFlow backends, the eval forward as one TensorFlow graph in a SavedModel session instead of ~70
 * eager ops: TensorFlow's graph optimiser fuses each convolution with its bias, residual add and ReLU, and oneDNN
 * reorders each constant filter once instead of on every eager call (issue 11: the eager forward spent 81% of its
 * time in Conv2D). The graph holds a copy of the weights taken when it is attached; a network that has changed
 * since (training, a restored checkpoint) is not run on it: `runNativeGraph` then answers undefined (the caller
 * computes eagerly) and `prepareInference` attaches the new weights. A session holds its own copy of the weights
 * (~45 MB, plus oneDNN's reordered filters).
 */
interface Attached {
	readonly sessions: ReadonlyMap<GraphOutput, SavedModelSession>;
	readonly size: number;
	readonly snapshot: readonly object[];
}

const attached = new WeakMap<ResNet18, Attached>();
/** Attaches in progress: two callers preparing one network at once share one session instead of leaking one. */
const pending = new WeakMap<ResNet18, Promise<void>>();

/** Why the graph engine is not to be used in this process, if an operator turned it off (RESNET18_TF_GRAPH=off). */
export function nativeGraphTurnedOff(): string | undefined {
	return process.env.RESNET18_TF_GRAPH === 'off'
		? 'the TensorFlow graph is turned off by RESNET18_TF_GRAPH=off'
		: undefined;
}

/** Build and load the graph of this network's current weights (replacing one attached before). */
export function attachNativeGraph(
	network: ResNet18,
	metadata: ModelMetadata,
	options: GraphOptions = {},
): Promise<void> {
	const inFlight = pending.get(network);
	if (inFlight) return inFlight;
	const attach = load(network, metadata, options).finally(() => pending.delete(network));
	pending.set(network, attach);
	return attach;
}

async function load(
	network: ResNet18,
	metadata: ModelMetadata,
	options: GraphOptions,
): Promise<void> {
	detachNativeGraph(network);
	const native = tfjsNode();
	const snapshot = dataIds(network);
	const bytes = resnet18SavedModel(
		native.proto,
		network.toStateDict(),
		metadata.inputSize,
		options,
	);
	const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'resnet18-graph-'));
	const sessions = new Map<GraphOutput, SavedModelSession>();
	try {
		await fs.promises.writeFile(path.join(dir, 'saved_model.pb'), bytes);
		// One session (tfjs-node shares it between loads of one folder), one signature object per output.
		for (const output of GRAPH_OUTPUTS)
			sessions.set(output, await native.loadSavedModel(dir, ['serve'], output));
	} catch (error) {
		for (const session of sessions.values()) session.dispose();
		throw error;
	} finally {
		// The session holds the graph in memory: the file is needed only while it loads.
		await fs.promises.rm(dir, { recursive: true, force: true });
	}
	attached.set(network, { sessions, size: metadata.inputSize, snapshot });
}

export function detachNativeGraph(network: ResNet18): void {
	const entry = attached.get(network);
	attached.delete(network);
	for (const session of entry?.sessions.values() ?? []) session.dispose();
}

/** Whether a graph is attached and holds the network's current weights (for images of side `size`, when given). */
export function hasCurrentNativeGraph(network: ResNet18, size?: number): boolean {
	const entry = attached.get(network);
	return (
		entry !== undefined &&
		(size === undefined || entry.size === size) &&
		sameIds(entry.snapshot, dataIds(network))
	);
}

/**
 * The graph's `output` for NHWC pixels of side `size` (rows in input order; layer3's activations NHWC, as
 * TensorFlow.js holds them), or undefined when no current graph of that size is attached: the caller computes
 * eagerly. A graph found stale is released then, its weights never come back.
 */
export async function runNativeGraph(
	network: ResNet18,
	imagesNhwc: Float32Array,
	size: number,
	output: InferenceOutput | GraphOutput,
): Promise<Float32Array | undefined> {
	const entry = attached.get(network);
	if (!entry || entry.size !== size) return undefined;
	if (!sameIds(entry.snapshot, dataIds(network))) {
		detachNativeGraph(network);
		return undefined;
	}
	const session = entry.sessions.get(output)!;
	const n = imagesNhwc.length / (size * size * 3);
	const x = tf.tensor4d(imagesNhwc, [n, size, size, 3]);
	let result: tf.Tensor | undefined;
	try {
		result = session.predict(x) as tf.Tensor;
		return (await result.data()) as Float32Array;
	} finally {
		x.dispose();
		result?.dispose();
	}
}

function dataIds(network: ResNet18): object[] {
	return network.floatVariables().map((v) => v.variable.dataId as object);
}

function sameIds(a: readonly object[], b: readonly object[]): boolean {
	return a.length === b.length && a.every((id, i) => id === b[i]);
}
