import * as tf from '../compute/tf';
import { BN_EPS, type ConvSpec } from './architecture';

/** A convolution with its eval-mode batch norm folded in: conv(x, W·s) + (β − μ·s), s = γ/√(σ² + ε). */
export interface FoldedConv {
	readonly filter: tf.Tensor4D;
	readonly bias: tf.Tensor1D;
}

/**
 * Inference-time copies of the convolutions with batch norm folded into their weights, so that an eval forward is
 * one fused convolution (+ bias + ReLU) per layer instead of a convolution, a batch norm and a ReLU, each a pass over
 * the activations. Kept between forwards: XNNPACK packs a filter once per tensor, and a batch-1 webhook call would
 * otherwise pay the packing of 11 M weights each time. A set is valid while the variables it was folded from still
 * hold the same data: any `assign` (an optimiser step, a restored checkpoint) gives a variable a new data id, and
 * the next forward folds again.
 */
export class FoldedConvs {
	private readonly folded = new Map<string, FoldedConv>();
	private sources: object[] = [];

	constructor(private readonly variable: (name: string) => tf.Variable) {}

	/** The folded convolutions for `specs`, refolded when any weight changed since the last call. */
	get(specs: readonly ConvSpec[]): ReadonlyMap<string, FoldedConv> {
		const current = specs.flatMap((s) =>
			this.sourceNames(s).map((name) => this.variable(name).dataId as object),
		);
		if (current.length !== this.sources.length || current.some((id, i) => id !== this.sources[i])) {
			this.release();
			for (const spec of specs) this.folded.set(spec.conv, this.fold(spec));
			this.sources = current;
		}
		return this.folded;
	}

	/** Tensors held (part of the model's memory while inference runs). */
	get tensorCount(): number {
		return this.folded.size * 2;
	}

	release(): void {
		for (const { filter, bias } of this.folded.values()) tf.dispose([filter, bias]);
		this.folded.clear();
		this.sources = [];
	}

	private sourceNames(spec: ConvSpec): string[] {
		return [
			`${spec.conv}.weight`,
			`${spec.bn}.weight`,
			`${spec.bn}.bias`,
			`${spec.bn}.running_mean`,
			`${spec.bn}.running_var`,
		];
	}

	private fold(spec: ConvSpec): FoldedConv {
		return tf.tidy(() => {
			const [weight, gamma, beta, mean, variance] = this.sourceNames(spec).map((name) =>
				this.variable(name),
			);
			const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, BN_EPS)));
			// HWIO: the output channel is the last axis, so the per-channel scale broadcasts.
			const filter = tf.keep(tf.mul(weight, scale) as tf.Tensor4D);
			const bias = tf.keep(tf.sub(beta, tf.mul(mean, scale)) as tf.Tensor1D);
			return { filter, bias };
		});
	}
}
