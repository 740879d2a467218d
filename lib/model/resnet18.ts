import * as tf from '../compute/tf';
import { InvalidParameterError, WeightsError } from '../errors';
import { createRng } from '../data/random';
import { elementCount, type StateDict } from '../weights/host-tensor';
import {
	BLOCKS,
	BN_MOMENTUM,
	EMBEDDING_SIZE,
	STEM,
	parameterCount,
	resnet18TensorSpecs,
	type ConvSpec,
	type TensorSpec,
} from './architecture';
import { batchNormTrain, type BatchNormParams, type BatchStatistics } from './batch-norm';
import { batchCounter, checkWeightValues } from './check-weights';
import { FoldedConvs } from './folded-convs';
import { conv2d } from './conv';
import { maxPool2d, symmetricPad } from './padding';
import { onNativeBackend } from '../compute/native-backend';
import { tfjsToTorch, torchToTfjs } from './layout';

export const MAX_CLASSES = 10_000;

/** Index of layer4's first block in BLOCKS: where last-stage fine-tuning starts. */
const LAYER4 = BLOCKS.findIndex((b) => b.prefix.startsWith('layer4.'));

/** Every convolution, in forward order. */
const ALL_CONVS: readonly ConvSpec[] = [
	STEM,
	...BLOCKS.flatMap((b) => [b.conv1, b.conv2, ...(b.downsample ? [b.downsample] : [])]),
];

export interface LoadOptions {
	/** Classes of the model to build; defaults to the classifier size found in the weights. */
	readonly numClasses?: number;
	/**
	 * Fine-tuning start: when the file's classifier has another number of classes (ImageNet's 1,000), drop it and
	 * initialise a fresh one. Without this, a classifier mismatch is an error.
	 */
	readonly replaceClassifier?: boolean;
	readonly seed?: number;
	/** Named in errors. */
	readonly file?: string;
	/**
	 * The state dict is a copy this process made of a network it holds (a worker thread's copy): its values are not
	 * scanned again. Weights read from a file never are.
	 */
	readonly trusted?: boolean;
}

/**
 * ResNet-18 on tfjs, holding its tensors under torchvision's names (in tfjs layout). Forward passes are plain
 * functions of these variables, so gradients, BN running statistics and weight files all line up with torch.
 */
export class ResNet18 {
	readonly specs: readonly TensorSpec[];
	private readonly variables = new Map<string, tf.Variable>();
	private readonly batchesTracked = new Map<string, bigint>();
	private readonly folded = new FoldedConvs((name) => this.variable(name));
	/** Set when `fromStateDict` replaced the classifier, for reporting. */
	classifierReplaced = false;

	private constructor(readonly numClasses: number) {
		checkClassCount(numClasses);
		this.specs = resnet18TensorSpecs(numClasses);
	}

	/** torchvision's initialisation: Kaiming-normal (fan-out) convolutions, BN γ=1 β=0, uniform ±1/√512 classifier. */
	static initialize(numClasses: number, seed = 0): ResNet18 {
		const model = new ResNet18(numClasses);
		const rng = createRng(seed);
		for (const spec of model.specs)
			model.setFromTorch(
				spec,
				initialValues(spec, () => rng.next()),
			);
		return model;
	}

	static fromStateDict(state: StateDict, options: LoadOptions = {}): ResNet18 {
		const fc = state.get('fc.weight');
		const fileClasses = fc && fc.shape.length === 2 ? fc.shape[0] : undefined;
		const numClasses = options.numClasses ?? fileClasses;
		if (numClasses === undefined)
			throw new WeightsError('missing tensor "fc.weight"', options.file, 'fc.weight');
		if (options.numClasses === undefined && !isClassCount(numClasses)) {
			throw new WeightsError(
				`tensor "fc.weight" has ${numClasses} rows (classes); a classifier has 2 to ${MAX_CLASSES}`,
				options.file,
				'fc.weight',
			);
		}
		const model = new ResNet18(numClasses);
		const replace = options.replaceClassifier === true && fileClasses !== numClasses;
		const expected = new Set(model.specs.map((s) => s.name));
		const extra = [...state.keys()].filter((name) => !expected.has(name));
		if (extra.length > 0) {
			throw new WeightsError(
				`unexpected tensor(s) for ResNet-18: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`,
				options.file,
				extra[0],
			);
		}
		const rng = createRng(options.seed ?? 0);
		try {
			for (const spec of model.specs) {
				if (replace && spec.role.startsWith('fc.')) {
					model.setFromTorch(
						spec,
						initialValues(spec, () => rng.next()),
					);
					continue;
				}
				const tensor = state.get(spec.name);
				if (!tensor)
					throw new WeightsError(`missing tensor "${spec.name}"`, options.file, spec.name);
				if (
					tensor.shape.length !== spec.shape.length ||
					tensor.shape.some((d, i) => d !== spec.shape[i])
				) {
					throw new WeightsError(
						`tensor "${spec.name}" has shape [${tensor.shape.join(', ')}], expected [${spec.shape.join(', ')}]`,
						options.file,
						spec.name,
					);
				}
				if (spec.role === 'bn.num_batches_tracked') {
					model.batchesTracked.set(spec.name, batchCounter(spec, tensor, options.file));
				} else {
					if (tensor.dtype !== 'float32')
						throw new WeightsError(
							`tensor "${spec.name}" is an integer tensor, expected floats`,
							options.file,
							spec.name,
						);
					if (options.trusted !== true) checkWeightValues(spec, tensor.data, options.file);
					model.setFromTorch(spec, tensor.data);
				}
			}
		} catch (error) {
			model.dispose();
			throw error;
		}
		model.classifierReplaced = replace;
		return model;
	}

	/** Put back weights this network wrote with `toStateDict` (a checkpoint of itself, so no shape checks repeat). */
	restoreStateDict(state: StateDict): void {
		for (const spec of this.specs) {
			const tensor = state.get(spec.name);
			if (!tensor)
				throw new WeightsError(`checkpoint lacks "${spec.name}"`, 'checkpoint', spec.name);
			if (spec.role === 'bn.num_batches_tracked')
				this.batchesTracked.set(spec.name, tensor.dtype === 'int64' ? tensor.data[0] : 0n);
			else this.setFromTorch(spec, tensor.data as Float32Array);
		}
	}

	/** The state dict torchvision's `resnet18(num_classes=K).load_state_dict` accepts. */
	toStateDict(): StateDict {
		const state: StateDict = new Map();
		for (const spec of this.specs) {
			if (spec.role === 'bn.num_batches_tracked') {
				state.set(spec.name, {
					dtype: 'int64',
					shape: [],
					data: BigInt64Array.of(this.batchesTracked.get(spec.name) ?? 0n),
				});
			} else {
				state.set(spec.name, {
					dtype: 'float32',
					shape: [...spec.shape],
					data: tfjsToTorch(spec, this.variable(spec.name)),
				});
			}
		}
		return state;
	}

	get parameterCount(): number {
		return parameterCount(this.numClasses);
	}

	/** Every float tensor (parameters and running statistics) in the state dict's order, for copying weights in bulk. */
	floatVariables(): {
		readonly name: string;
		readonly variable: tf.Variable;
		readonly trainable: boolean;
	}[] {
		return this.specs
			.filter((s) => s.role !== 'bn.num_batches_tracked')
			.map((s) => ({ name: s.name, variable: this.variable(s.name), trainable: s.trainable }));
	}

	/** Trainable variables; `scope` restricts to the classifier or to tensors whose name starts with a prefix. */
	trainableVariables(prefixes?: readonly string[]): tf.Variable[] {
		return this.specs
			.filter((s) => s.trainable && (!prefixes || prefixes.some((p) => s.name.startsWith(p))))
			.map((s) => this.variable(s.name));
	}

	/**
	 * Logits for a batch of normalised NHWC images. With `training`, batch norm uses batch statistics and updates
	 * the running statistics exactly as torch's `model.train()` forward does.
	 */
	forward(images: tf.Tensor4D, options: { training?: boolean } = {}): tf.Tensor2D {
		return this.logits(this.features(images, options));
	}

	/** The 512-d global-average-pooled embedding (the classifier's input). */
	features(images: tf.Tensor4D, options: { training?: boolean } = {}): tf.Tensor2D {
		return this.run(images, 0, BLOCKS.length, options.training === true, true) as tf.Tensor2D;
	}

	/**
	 * The output of layer3 ([n, S/16, S/16, 256]), in eval mode: what last-stage fine-tuning computes once per image
	 * view while layer4 and the classifier learn.
	 */
	layer3Activations(images: tf.Tensor4D): tf.Tensor4D {
		return this.run(images, 0, LAYER4, false, false) as tf.Tensor4D;
	}

	/**
	 * The output of layer4 ([n, S/32, S/32, 512]) in eval mode: the map whose average is the embedding, and whose
	 * channels Grad-CAM weighs (lib/infer/grad-cam.ts).
	 */
	layer4Activations(images: tf.Tensor4D): tf.Tensor4D {
		return this.run(images, 0, BLOCKS.length, false, false) as tf.Tensor4D;
	}

	/** The classifier's weight as TensorFlow.js holds it ([512, classes]); the network owns it: do not dispose. */
	get classifierWeight(): tf.Tensor2D {
		return this.variable('fc.weight') as tf.Variable<tf.Rank.R2>;
	}

	/** Logits from layer3's output: layer4, pooling and the classifier (training mode updates layer4's statistics). */
	forwardFromLayer3(activations: tf.Tensor4D, options: { training?: boolean } = {}): tf.Tensor2D {
		return this.logits(
			this.run(activations, LAYER4, BLOCKS.length, options.training === true, true) as tf.Tensor2D,
		);
	}

	/**
	 * Blocks [from, to) on `input` (the images when `from` is 0: then the stem and max-pool come first), optionally
	 * average-pooled. Training uses batch statistics and updates the running ones after the pass, as torch's
	 * `model.train()` forward does; eval runs on the folded convolutions.
	 */
	private run(
		input: tf.Tensor4D,
		from: number,
		to: number,
		training: boolean,
		pool: boolean,
	): tf.Tensor {
		const updates: Array<() => void> = [];
		const folded = training ? undefined : this.folded.get(ALL_CONVS);
		const layer = (
			x: tf.Tensor4D,
			spec: ConvSpec,
			relu: boolean,
			residual?: tf.Tensor4D,
		): tf.Tensor4D => {
			if (training) return this.convBn(x, spec, relu, updates, residual);
			const { filter, bias } = folded!.get(spec.conv)!;
			if (onNativeBackend()) {
				// tfjs-node's fused conv is Conv2D + Add + Relu anyway; this one pads inside the Conv2D (conv.ts).
				let y: tf.Tensor4D = tf.add(conv2d(x, filter, spec.stride, spec.padding), bias);
				if (residual) y = tf.add(y, residual);
				return relu ? tf.relu(y) : y;
			}
			const p = symmetricPad(x, spec.padding);
			const y = tf.fused.conv2d({
				x: p.x,
				filter,
				strides: spec.stride,
				pad: p.pad,
				bias,
				activation: relu && !residual ? 'relu' : 'linear',
			});
			return residual ? (tf.relu(tf.add(y, residual)) as tf.Tensor4D) : y;
		};
		return tf.tidy(() => {
			let h = input;
			if (from === 0) h = maxPool2d(layer(h, STEM, true), 3, 2, 1);
			for (const block of BLOCKS.slice(from, to)) {
				const identity = block.downsample ? layer(h, block.downsample, false) : h;
				h = layer(layer(h, block.conv1, true), block.conv2, true, identity);
			}
			const out = pool ? tf.mean(h, [1, 2]) : h;
			// Running statistics change only after the whole forward, as torch's do per layer; nothing reads them in between.
			for (const update of updates) update();
			return out;
		});
	}

	/** Tensors this network holds: its state dict's float tensors, plus the folded convolutions inference keeps. */
	get tensorCount(): number {
		return this.variables.size + this.folded.tensorCount;
	}

	/** Drop the folded convolutions eval forwards keep (they are rebuilt on the next one). */
	releaseInferenceCache(): void {
		this.folded.release();
	}

	logits(features: tf.Tensor2D): tf.Tensor2D {
		return tf.tidy(
			() =>
				tf.add(
					tf.matMul(features, this.variable('fc.weight')),
					this.variable('fc.bias'),
				) as tf.Tensor2D,
		);
	}

	dispose(): void {
		this.folded.release();
		for (const v of this.variables.values()) v.dispose();
		this.variables.clear();
	}

	/** Training: conv → batch norm on the batch's statistics [→ + residual] [→ ReLU]; queues the running update. */
	private convBn(
		x: tf.Tensor4D,
		spec: ConvSpec,
		relu: boolean,
		updates: Array<() => void>,
		residual?: tf.Tensor4D,
	): tf.Tensor4D {
		// The stem's input is the image: no gradient is needed for it.
		const convolved = conv2d(
			x,
			this.variable(`${spec.conv}.weight`) as tf.Tensor4D,
			spec.stride,
			spec.padding,
			{ inputGradient: spec !== STEM },
		);
		const { y, stats } = batchNormTrain(convolved, this.bnParams(spec.bn), { relu, residual });
		updates.push(() => {
			this.updateRunningStatistics(spec.bn, stats);
			tf.dispose([stats.mean, stats.variance]);
		});
		return y;
	}

	private updateRunningStatistics(bn: string, stats: BatchStatistics): void {
		const { mean, variance, count } = stats;
		const runningMean = this.variable(`${bn}.running_mean`);
		const runningVar = this.variable(`${bn}.running_var`);
		const unbiased = stats.varianceKind === 'biased' && count > 1 ? count / (count - 1) : 1;
		// Buffers are not among the variables gradients are taken for, so these updates add nothing to the backward pass.
		runningMean.assign(tf.add(tf.mul(runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
		runningVar.assign(
			tf.add(tf.mul(runningVar, 1 - BN_MOMENTUM), tf.mul(variance, BN_MOMENTUM * unbiased)),
		);
		const name = `${bn}.num_batches_tracked`;
		this.batchesTracked.set(name, (this.batchesTracked.get(name) ?? 0n) + 1n);
	}

	private bnParams(bn: string): BatchNormParams {
		return {
			gamma: this.variable(`${bn}.weight`) as tf.Tensor1D,
			beta: this.variable(`${bn}.bias`) as tf.Tensor1D,
		};
	}

	private variable(name: string): tf.Variable {
		const v = this.variables.get(name);
		if (!v) throw new Error(`internal: tensor ${name} is not initialised (model disposed?)`);
		return v;
	}

	private setFromTorch(spec: TensorSpec, data: Float32Array): void {
		if (spec.role === 'bn.num_batches_tracked') {
			this.batchesTracked.set(spec.name, 0n);
			return;
		}
		const value = torchToTfjs(spec, data);
		const existing = this.variables.get(spec.name);
		if (existing) {
			existing.assign(value);
			value.dispose();
		} else {
			this.variables.set(spec.name, tf.variable(value, spec.trainable, `${spec.name}#${nextId++}`));
			value.dispose();
		}
	}
}

let nextId = 0;

function isClassCount(numClasses: number): boolean {
	return Number.isInteger(numClasses) && numClasses >= 2 && numClasses <= MAX_CLASSES;
}

function checkClassCount(numClasses: number): void {
	if (!isClassCount(numClasses)) {
		throw new InvalidParameterError(
			'numClasses',
			`must be an integer from 2 to ${MAX_CLASSES}, got ${numClasses}`,
		);
	}
}

function initialValues(spec: TensorSpec, random: () => number): Float32Array {
	const n = elementCount(spec.shape);
	const data = new Float32Array(n);
	switch (spec.role) {
		case 'conv': {
			const [out, , kh, kw] = spec.shape;
			const std = Math.sqrt(2 / (out * kh * kw));
			for (let i = 0; i < n; i++) data[i] = std * gaussian(random);
			return data;
		}
		case 'fc.weight':
		case 'fc.bias': {
			const bound = 1 / Math.sqrt(EMBEDDING_SIZE);
			for (let i = 0; i < n; i++) data[i] = (random() * 2 - 1) * bound;
			return data;
		}
		case 'bn.weight':
		case 'bn.running_var':
			return data.fill(1);
		default:
			return data;
	}
}

function gaussian(random: () => number): number {
	// Box–Muller; 1 - u keeps the logarithm finite.
	return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
