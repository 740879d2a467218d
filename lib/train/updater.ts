import * as tf from '../compute/tf';
import type { ResNet18 } from '../model/resnet18';
import type { TrainOptions } from '../options/train';
import { setLearningRate } from './schedule';
import { createAdam, createSgd } from './optimizers';

/** What turns a batch's gradients into new weights. A bare tfjs optimiser is one (no clipping, one learning rate). */
export interface Updater {
	apply(grads: tf.NamedTensorMap): Promise<void>;
}

export function updaterOf(target: tf.Optimizer | Updater): Updater {
	if (target instanceof tf.Optimizer) {
		return { apply: async (grads) => void target.applyGradients(grads) };
	}
	return target;
}

/**
 * The options the optimiser side uses, as the table (lib/options/train.ts) defines them: `weightDecay` is AdamW's
 * (ignored by the others), `bodyLearningRateFactor` 1 is one rate for all, `gradientClipNorm` 0 no clipping.
 */
export type UpdateSettings = Pick<
	TrainOptions,
	'optimizer' | 'learningRate' | 'weightDecay' | 'bodyLearningRateFactor' | 'gradientClipNorm'
>;

/** Weights that AdamW decays: convolution and classifier weights, not batch-norm parameters or biases. */
function decays(torchName: string): boolean {
	return (
		torchName.endsWith('conv1.weight') ||
		torchName.endsWith('conv2.weight') ||
		torchName.endsWith('downsample.0.weight') ||
		torchName === 'fc.weight'
	);
}

/**
 * The optimiser side of a training step: global-norm gradient clipping, then two parameter groups — the new
 * classifier at the scheduled rate and the pretrained body at `bodyLearningRateFactor` times it, each with its own
 * optimiser state (as two torch param groups) — then AdamW's decoupled weight decay at each group's rate.
 */
export class ParameterUpdater implements Updater {
	private readonly head: tf.Optimizer;
	private readonly body: tf.Optimizer;
	/** tfjs variable name → torchvision tensor name. */
	private readonly names: Map<string, string>;
	private readonly variables: Map<string, tf.Variable>;
	private rate: number;
	/** Steps whose gradients were scaled down, since the last `takeClippedSteps()`. */
	private clipped = 0;

	constructor(
		network: ResNet18,
		private readonly settings: UpdateSettings,
	) {
		const make = () =>
			settings.optimizer === 'sgd'
				? createSgd(settings.learningRate)
				: createAdam(settings.learningRate);
		this.head = make();
		this.body = settings.bodyLearningRateFactor === 1 ? this.head : make();
		this.names = new Map(network.floatVariables().map((v) => [v.variable.name, v.name]));
		this.variables = new Map(network.floatVariables().map((v) => [v.variable.name, v.variable]));
		this.rate = settings.learningRate;
		this.setLearningRate(settings.learningRate);
	}

	setLearningRate(rate: number): void {
		this.rate = rate;
		setLearningRate(this.head, rate);
		if (this.body !== this.head)
			setLearningRate(this.body, rate * this.settings.bodyLearningRateFactor);
	}

	async apply(grads: tf.NamedTensorMap): Promise<void> {
		const clipped = await this.clip(grads);
		try {
			const head: tf.NamedTensorMap = {};
			const body: tf.NamedTensorMap = {};
			for (const [name, grad] of Object.entries(clipped))
				(this.isHead(name) || this.body === this.head ? head : body)[name] = grad;
			if (Object.keys(head).length > 0) this.head.applyGradients(head);
			if (Object.keys(body).length > 0) this.body.applyGradients(body);
			if (this.settings.optimizer === 'adamw' && this.settings.weightDecay > 0)
				this.decay(Object.keys(clipped));
		} finally {
			if (clipped !== grads) tf.dispose(Object.values(clipped));
		}
	}

	takeClippedSteps(): number {
		const n = this.clipped;
		this.clipped = 0;
		return n;
	}

	dispose(): void {
		this.head.dispose();
		if (this.body !== this.head) this.body.dispose();
	}

	private isHead(variableName: string): boolean {
		return (this.names.get(variableName) ?? variableName).startsWith('fc.');
	}

	/** torch: total = ‖all gradients‖₂; when total > max, every gradient × max / (total + 1e-6). */
	private async clip(grads: tf.NamedTensorMap): Promise<tf.NamedTensorMap> {
		const max = this.settings.gradientClipNorm;
		if (max <= 0) return grads;
		const squared = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
		const total = Math.sqrt((await squared.data())[0]);
		squared.dispose();
		const coefficient = max / (total + 1e-6);
		if (coefficient >= 1) return grads;
		this.clipped++;
		return Object.fromEntries(
			Object.entries(grads).map(([name, g]) => [name, tf.mul(g, coefficient)]),
		);
	}

	private decay(variableNames: readonly string[]): void {
		tf.tidy(() => {
			for (const name of variableNames) {
				const torchName = this.names.get(name);
				const variable = this.variables.get(name);
				if (!torchName || !variable || !decays(torchName)) continue;
				const rate = torchName.startsWith('fc.')
					? this.rate
					: this.rate * this.settings.bodyLearningRateFactor;
				variable.assign(tf.mul(variable, 1 - rate * this.settings.weightDecay));
			}
		});
	}
}
