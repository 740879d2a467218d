import { activeBackend, computesOnCallingThread } from '../compute/backend';
import { onNativeBackend } from '../compute/native-backend';
import { availableCores, threadsFromEnvironment } from '../compute/threads';
import type { ModelMetadata } from '../model-file/metadata';
import type { ResNet18 } from '../model/resnet18';
import {
	attachOnnxRuntime,
	detachOnnxRuntime,
	hasOnnxRuntime,
	runOnnx,
	runsOnlyInOnnxRuntime,
} from './onnx-runtime';
import { computeLocally } from './local';
import {
	attachNativeGraph,
	detachNativeGraph,
	hasCurrentNativeGraph,
	nativeGraphTurnedOff,
	runNativeGraph,
} from './native-graph';
import type { InferenceOutput } from './pool/messages';
import { InferencePool } from './pool/pool';

/**
 * Which engine runs a model's predictions: ONNX Runtime when installed (native, every core); on the native TensorFlow
 * backends, the forward as one TensorFlow graph (lib/infer/native-graph.ts); else TensorFlow.js — on the
 * single-threaded WebAssembly or JS backends spread over worker threads, one instance per core.
 */
export type InferenceEngine = 'onnxruntime' | 'tensorflow-graph' | 'tfjs';

export interface EngineReport {
	readonly engine: InferenceEngine;
	/** Threads TensorFlow.js computes on (1 unless a worker pool runs); ONNX Runtime and TensorFlow manage their own. */
	readonly threads: number;
	/** Why the faster engine is not used, when it is not. */
	readonly reason?: string;
}

export interface PrepareOptions {
	/** Images about to be predicted: a worker pool (a second or so to start) is worth it only for batches. */
	readonly images?: number;
	/** Layer3's activations will be asked for (last-stage fine-tuning): ONNX Runtime is built to give them. */
	readonly layer3?: boolean;
	/** false: TensorFlow.js even where ONNX Runtime is installed (to compare the two). */
	readonly onnxRuntime?: boolean;
	/** false: TensorFlow.js's op-by-op forward even on the native backends (to compare it with the graph). */
	readonly nativeGraph?: boolean;
}

const pools = new WeakMap<ResNet18, InferencePool>();

/**
 * Make a loaded model predict with the fastest engine present. A failure to build an engine is not fatal: the model
 * still predicts, on this thread's TensorFlow.js.
 */
export async function prepareInference(
	network: ResNet18,
	metadata: ModelMetadata,
	options: PrepareOptions = {},
): Promise<EngineReport> {
	let reason: string | undefined = 'ONNX Runtime not asked for';
	if (options.onnxRuntime !== false) {
		try {
			const onnx = await attachOnnxRuntime(network, metadata, { layer3: options.layer3 });
			if (onnx.engine === 'onnxruntime') return { engine: 'onnxruntime', threads: 1 };
			reason = onnx.reason;
		} catch (error) {
			if (runsOnlyInOnnxRuntime(network)) throw error;
			reason = `ONNX Runtime could not load the model (${firstLine(error)})`;
		}
	}
	if (onNativeBackend() && options.nativeGraph !== false) {
		const off = nativeGraphTurnedOff();
		if (off) reason = `${reason}; ${off}`;
		else {
			try {
				if (!hasCurrentNativeGraph(network, metadata.inputSize))
					await attachNativeGraph(network, metadata);
				return { engine: 'tensorflow-graph', threads: 1, reason };
			} catch (error) {
				reason = `${reason}; the TensorFlow graph could not be loaded (${firstLine(error)})`;
			}
		}
	}
	const existing = pools.get(network);
	if (existing?.isCurrent()) return { engine: 'tfjs', threads: existing.threads, reason };
	const threads = poolThreads(options.images);
	if (threads <= 1) return { engine: 'tfjs', threads: 1, reason };
	try {
		await detachPool(network);
		const pool = await InferencePool.start(network, threads, activeBackend()!.kind);
		pools.set(network, pool);
		return { engine: 'tfjs', threads: pool.threads, reason };
	} catch (error) {
		return {
			engine: 'tfjs',
			threads: 1,
			reason: `${reason ? `${reason}; ` : ''}inference threads could not start (${firstLine(error)})`,
		};
	}
}

/** Release what `prepareInference` attached (ONNX Runtime session, TensorFlow graph, worker threads). */
export async function detachInference(network: ResNet18): Promise<void> {
	detachNativeGraph(network);
	await Promise.all([detachOnnxRuntime(network), detachPool(network)]);
}

/** Which engine runs this network's predictions now. */
export function inferenceEngine(network: ResNet18): InferenceEngine {
	if (hasOnnxRuntime(network)) return 'onnxruntime';
	return hasCurrentNativeGraph(network) ? 'tensorflow-graph' : 'tfjs';
}

/** Threads TensorFlow.js runs this network's predictions on. */
export function inferenceThreads(network: ResNet18): number {
	const pool = pools.get(network);
	return pool?.isCurrent() ? pool.threads : 1;
}

/** Probabilities or features of NHWC pixels, on the engine attached to the network (this thread's tfjs if none). */
export async function infer(
	network: ResNet18,
	images: Float32Array,
	size: number,
	output: InferenceOutput,
): Promise<Float32Array> {
	const fromOnnx = await runOnnx(network, images, output);
	if (fromOnnx) return fromOnnx;
	const fromGraph = await runNativeGraph(network, images, size, output);
	if (fromGraph) return fromGraph;
	const pool = pools.get(network);
	const n = images.length / (size * size * 3);
	// A pool whose weights are stale (the network trained since) is never used: its answers would be another model's.
	if (pool && n > 1 && pool.isCurrent()) return pool.run(images, size, output);
	return computeLocally(network, images, size, output);
}

/** Worker threads for a pool: every core on the single-threaded backends, when there are images to share. */
function poolThreads(images: number | undefined): number {
	if (!computesOnCallingThread(activeBackend()?.kind)) return 1;
	if (images !== undefined && images < 2) return 1;
	return Math.max(1, Math.min(threadsFromEnvironment() ?? availableCores(), images ?? Infinity));
}

async function detachPool(network: ResNet18): Promise<void> {
	const pool = pools.get(network);
	pools.delete(network);
	await pool?.close();
}

function firstLine(error: unknown): string {
	return error instanceof Error ? error.message.split('\n')[0] : String(error);
}
