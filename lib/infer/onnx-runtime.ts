import { BackendUnavailableError, InvalidParameterError } from '../errors';
import { exportOnnx } from '../onnx/export';
import type { ModelMetadata } from '../model-file/metadata';
import type { ResNet18 } from '../model/resnet18';
import type { InferenceOutput } from './pool/messages';

/**
 * ONNX Runtime as the inference engine when `onnxruntime-node` is installed beside this package (an optional extra:
 * ~290 MB of native CPU binaries, all inside its npm tarball; `npm install onnxruntime-node
 * --onnxruntime-node-install=skip` skips its download of CUDA extras). It runs the graph exported from the same
 * weights, several times faster than TensorFlow.js's WebAssembly backend on CPU.
 */
interface OrtTensor {
	readonly data: ArrayLike<number>;
	readonly dims: readonly number[];
}
interface OrtSession {
	run(feeds: Record<string, OrtTensor>, fetches?: string[]): Promise<Record<string, OrtTensor>>;
	release(): Promise<void>;
}
interface OrtModule {
	readonly InferenceSession: {
		create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession>;
	};
	readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

/** ONNX Runtime's part of an engine report: whether it runs the network, and why not when it does not. */
export interface OnnxReport {
	readonly engine: 'onnxruntime' | 'tfjs';
	readonly reason?: string;
}

let ort: OrtModule | string | undefined;

/** The installed onnxruntime-node, or the reason there is none (looked up once per process). */
export function onnxRuntime(): OrtModule | string {
	if (ort !== undefined) return ort;
	if (process.env.RESNET18_ONNXRUNTIME === 'off')
		return (ort = 'turned off by RESNET18_ONNXRUNTIME=off');
	let resolved: string;
	// From this package's folder up, as Node resolves it (not from the host process's working directory).
	try {
		resolved = require.resolve('onnxruntime-node', { paths: [__dirname] });
	} catch {
		return (ort =
			'onnxruntime-node is not installed (npm install onnxruntime-node --onnxruntime-node-install=skip; see README "Backends")');
	}
	try {
		// A path found at run time (the package is optional): only require() can load it.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		ort = require(resolved) as OrtModule;
	} catch (error) {
		ort = `onnxruntime-node is installed but does not load (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
	}
	return ort;
}

const sessions = new WeakMap<ResNet18, { session: OrtSession; size: number; layer3: boolean }>();

/**
 * Build an ONNX Runtime session for this network (its current weights) so that predictions and features of it run
 * there. Later weight changes are not seen: call it for trained models, or for a frozen body.
 */
export async function attachOnnxRuntime(
	network: ResNet18,
	metadata: ModelMetadata,
	options: { layer3?: boolean } = {},
): Promise<OnnxReport> {
	const existing = sessions.get(network);
	if (existing && (existing.layer3 || !options.layer3)) return { engine: 'onnxruntime' };
	const bound = boundGraphs.get(network);
	if (bound && options.layer3)
		throw new InvalidParameterError(
			'fineTune',
			'an int8 model runs only as its ONNX graph, which has no layer3 output: fine-tune from its float32 model',
		);
	await detachOnnxRuntime(network);
	const runtime = onnxRuntime();
	if (typeof runtime === 'string') {
		if (bound)
			throw new BackendUnavailableError(
				'onnxruntime',
				`an int8 model runs only in ONNX Runtime, and ${runtime}`,
			);
		return { engine: 'tfjs', reason: runtime };
	}
	const session = await openOrtSession(
		runtime,
		bound?.graph ?? exportOnnx(network.toStateDict(), metadata, { layer3Output: options.layer3 }),
	);
	sessions.set(network, { session, size: metadata.inputSize, layer3: options.layer3 === true });
	return { engine: 'onnxruntime' };
}

const boundGraphs = new WeakMap<ResNet18, { graph: Uint8Array; metadata: ModelMetadata }>();

/**
 * Give a network the ONNX graph it runs as (an int8 file's own graph), instead of one exported from its weights, and
 * start it. Such a network predicts only in ONNX Runtime: its TensorFlow.js weights are the int8 weights dequantized,
 * which are not the int8 arithmetic, so no engine falls back to them.
 */
export async function bindOnnxGraph(
	network: ResNet18,
	metadata: ModelMetadata,
	graph: Uint8Array,
): Promise<void> {
	await detachOnnxRuntime(network);
	boundGraphs.set(network, { graph, metadata });
	await attachOnnxRuntime(network, metadata);
}

/** Whether the network predicts only through its bound ONNX graph (an int8 model). */
export function runsOnlyInOnnxRuntime(network: ResNet18): boolean {
	return boundGraphs.has(network);
}

/** A session on an ONNX graph; ONNX Runtime uses every core unless RESNET18_THREADS caps it (a shared host). */
function openOrtSession(runtime: OrtModule, model: Uint8Array): Promise<OrtSession> {
	const threads = Number(process.env.RESNET18_THREADS);
	return runtime.InferenceSession.create(model, {
		graphOptimizationLevel: 'all',
		...(Number.isInteger(threads) && threads > 0 ? { intraOpNumThreads: threads } : {}),
	});
}

/** One output of a session for NHWC pixels (as our decoder makes them), fed to its NCHW `input`. */
async function runOrtSession(
	runtime: OrtModule,
	session: OrtSession,
	imagesNhwc: Float32Array,
	size: number,
	output: string,
): Promise<OrtTensor> {
	const n = imagesNhwc.length / (size * size * 3);
	const input = new runtime.Tensor('float32', imagesToNchw(imagesNhwc, n, size), [
		n,
		3,
		size,
		size,
	]);
	const result = await session.run({ input }, [output]);
	return result[output];
}

export async function detachOnnxRuntime(network: ResNet18): Promise<void> {
	const entry = sessions.get(network);
	sessions.delete(network);
	await entry?.session.release();
}

/**
 * ONNX Runtime's `output` for NHWC pixels (as our decoder makes them), or undefined when no session is attached (or
 * it was built without the layer3 output). Layer3's activations come back NHWC, as TensorFlow.js holds them.
 */
export async function runOnnx(
	network: ResNet18,
	imagesNhwc: Float32Array,
	output: InferenceOutput,
): Promise<Float32Array | undefined> {
	const bound = boundGraphs.get(network);
	// Released since it was opened (a cache clean-up): an int8 model starts its session again rather than fall back.
	if (bound && !sessions.has(network)) await attachOnnxRuntime(network, bound.metadata);
	const entry = sessions.get(network);
	if (!entry || (output === 'layer3' && !entry.layer3)) return undefined;
	const out = await runOrtSession(
		onnxRuntime() as OrtModule,
		entry.session,
		imagesNhwc,
		entry.size,
		output,
	);
	return output === 'layer3' ? nchwToNhwc(out.data, out.dims) : Float32Array.from(out.data);
}

/** n RGB images of s² pixels, NHWC as our decoder makes them, in the NCHW layout of the graphs' `input`. */
export function imagesToNchw(nhwc: Float32Array, n: number, s: number): Float32Array {
	const nchw = new Float32Array(nhwc.length);
	const plane = s * s;
	for (let b = 0; b < n; b++) {
		const base = b * plane * 3;
		for (let p = 0; p < plane; p++) {
			nchw[base + p] = nhwc[base + p * 3];
			nchw[base + plane + p] = nhwc[base + p * 3 + 1];
			nchw[base + 2 * plane + p] = nhwc[base + p * 3 + 2];
		}
	}
	return nchw;
}

function nchwToNhwc(data: ArrayLike<number>, dims: readonly number[]): Float32Array {
	const [n, c, h, w] = dims;
	const out = new Float32Array(n * c * h * w);
	const plane = h * w;
	for (let b = 0; b < n; b++) {
		const base = b * c * plane;
		for (let ch = 0; ch < c; ch++) {
			const from = base + ch * plane;
			for (let p = 0; p < plane; p++) out[base + p * c + ch] = data[from + p];
		}
	}
	return out;
}

/** Whether an ONNX Runtime session is attached to this network. */
export function hasOnnxRuntime(network: ResNet18): boolean {
	return sessions.has(network);
}
