/**
 * A tensor held in ordinary JS memory, in PyTorch's layout (row-major, torch's shapes). Weight readers produce these;
 * the model converts them to tfjs layout. Floating types are widened/narrowed to float32 on read and integer types to
 * int64, because ResNet-18 state dicts hold only float weights and the int64 `num_batches_tracked` counters.
 */
export interface Float32HostTensor {
	readonly dtype: 'float32';
	readonly shape: readonly number[];
	readonly data: Float32Array;
}

export interface Int64HostTensor {
	readonly dtype: 'int64';
	readonly shape: readonly number[];
	readonly data: BigInt64Array;
}

export type HostTensor = Float32HostTensor | Int64HostTensor;

/** Tensor name (torchvision/timm naming, e.g. `layer1.0.conv1.weight`) to tensor, in file order. */
export type StateDict = Map<string, HostTensor>;

export function elementCount(shape: readonly number[]): number {
	return shape.reduce((a, b) => a * b, 1);
}
