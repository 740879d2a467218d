/**
 * The number formats a model is kept in. float32 is the trained model itself; float16 (safetensors, half the bytes)
 * and int8 (a static-quantized ONNX graph, a quarter) derive from it for smaller deployments.
 */
export const PRECISIONS = ['float32', 'float16', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];

export function isPrecision(value: unknown): value is Precision {
	return typeof value === 'string' && (PRECISIONS as readonly string[]).includes(value);
}
