/**
 * ResNet-18 exactly as torchvision builds it, described as data: every tensor of its state dict in torchvision's
 * order, with torch's names and shapes. The forward pass, the weight readers and the initialiser all work from this
 * one list, so a tensor cannot be added in one place and forgotten in another.
 */

export type TensorRole =
	| 'conv'
	| 'bn.weight'
	| 'bn.bias'
	| 'bn.running_mean'
	| 'bn.running_var'
	| 'bn.num_batches_tracked'
	| 'fc.weight'
	| 'fc.bias';

export interface TensorSpec {
	readonly name: string;
	/** Shape in torch's layout (OIHW for convolutions, [out, in] for the classifier). */
	readonly shape: readonly number[];
	readonly role: TensorRole;
	/** Parameters are trained; buffers (BN running statistics and counters) are not. */
	readonly trainable: boolean;
}

export interface ConvSpec {
	readonly conv: string;
	readonly bn: string;
	readonly stride: number;
	readonly padding: number;
}

export interface BlockSpec {
	readonly prefix: string;
	readonly conv1: ConvSpec;
	readonly conv2: ConvSpec;
	readonly downsample?: ConvSpec;
}

export const STAGE_WIDTHS = [64, 128, 256, 512] as const;
export const BLOCKS_PER_STAGE = 2;
export const EMBEDDING_SIZE = 512;
export const BN_EPS = 1e-5;
/** torch's BatchNorm2d momentum: running = (1 - m) * running + m * batch. */
export const BN_MOMENTUM = 0.1;

export const STEM: ConvSpec = { conv: 'conv1', bn: 'bn1', stride: 2, padding: 3 };

/** Side of layer3's output for a square input: the stem, the max-pool and layer2/layer3 each halve it (rounding up). */
export function layer3Side(inputSize: number): number {
	const out = (n: number, kernel: number, stride: number, pad: number) =>
		Math.floor((n + 2 * pad - kernel) / stride) + 1;
	return out(out(out(out(inputSize, 7, 2, 3), 3, 2, 1), 3, 2, 1), 3, 2, 1);
}

export const BLOCKS: readonly BlockSpec[] = STAGE_WIDTHS.flatMap((_, stage) =>
	Array.from({ length: BLOCKS_PER_STAGE }, (_, index): BlockSpec => {
		const prefix = `layer${stage + 1}.${index}`;
		const stride = stage > 0 && index === 0 ? 2 : 1;
		return {
			prefix,
			conv1: { conv: `${prefix}.conv1`, bn: `${prefix}.bn1`, stride, padding: 1 },
			conv2: { conv: `${prefix}.conv2`, bn: `${prefix}.bn2`, stride: 1, padding: 1 },
			downsample:
				stride !== 1
					? { conv: `${prefix}.downsample.0`, bn: `${prefix}.downsample.1`, stride, padding: 0 }
					: undefined,
		};
	}),
);

function convTensors(
	conv: string,
	outChannels: number,
	inChannels: number,
	kernel: number,
): TensorSpec[] {
	return [
		{
			name: `${conv}.weight`,
			shape: [outChannels, inChannels, kernel, kernel],
			role: 'conv',
			trainable: true,
		},
	];
}

function bnTensors(bn: string, channels: number): TensorSpec[] {
	return [
		{ name: `${bn}.weight`, shape: [channels], role: 'bn.weight', trainable: true },
		{ name: `${bn}.bias`, shape: [channels], role: 'bn.bias', trainable: true },
		{ name: `${bn}.running_mean`, shape: [channels], role: 'bn.running_mean', trainable: false },
		{ name: `${bn}.running_var`, shape: [channels], role: 'bn.running_var', trainable: false },
		{
			name: `${bn}.num_batches_tracked`,
			shape: [],
			role: 'bn.num_batches_tracked',
			trainable: false,
		},
	];
}

/** All state-dict tensors of torchvision's `resnet18(num_classes=numClasses)`, in its order. */
export function resnet18TensorSpecs(numClasses: number): TensorSpec[] {
	const specs: TensorSpec[] = [...convTensors('conv1', 64, 3, 7), ...bnTensors('bn1', 64)];
	let inChannels = 64;
	BLOCKS.forEach((block, i) => {
		const width = STAGE_WIDTHS[Math.floor(i / BLOCKS_PER_STAGE)];
		specs.push(
			...convTensors(block.conv1.conv, width, inChannels, 3),
			...bnTensors(block.conv1.bn, width),
		);
		specs.push(
			...convTensors(block.conv2.conv, width, width, 3),
			...bnTensors(block.conv2.bn, width),
		);
		if (block.downsample) {
			specs.push(
				...convTensors(block.downsample.conv, width, inChannels, 1),
				...bnTensors(block.downsample.bn, width),
			);
		}
		inChannels = width;
	});
	specs.push(
		{ name: 'fc.weight', shape: [numClasses, EMBEDDING_SIZE], role: 'fc.weight', trainable: true },
		{ name: 'fc.bias', shape: [numClasses], role: 'fc.bias', trainable: true },
	);
	return specs;
}

/** Number of trainable parameters (torch's `sum(p.numel() for p in model.parameters())`). */
export function parameterCount(numClasses: number): number {
	return resnet18TensorSpecs(numClasses)
		.filter((s) => s.trainable)
		.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
}
