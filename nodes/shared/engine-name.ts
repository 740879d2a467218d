import type { InferenceEngine } from '../../lib';

/**
 * What ran the predictions, as Classify Image's `engine` field says it: ONNX Runtime, the native TensorFlow graph, or
 * TensorFlow.js on the backend named (the value earlier versions gave, kept for workflows that branch on it).
 */
export function engineName(engine: InferenceEngine, backendKind: string): string {
	if (engine === 'onnxruntime') return 'onnxruntime';
	return engine === 'tensorflow-graph' ? 'tensorflow-graph' : backendKind;
}

/** The same for Evaluate's report, in words. */
export function engineSummary(
	engine: InferenceEngine,
	backendSummary: string,
	threads: number,
): string {
	if (engine === 'onnxruntime') return 'ONNX Runtime';
	if (engine === 'tensorflow-graph') return `TensorFlow graph (${backendSummary})`;
	return `${backendSummary}${threads > 1 ? `, inference on ${threads} threads` : ''}`;
}
