import * as tf from '../compute/tf';

/**
 * The training objective: cross-entropy with optional label smoothing and per-class weights, exactly as torch's
 * `CrossEntropyLoss(weight=w, label_smoothing=ε)` computes it with mean reduction:
 *
 *   ℓ_i = (1 − ε)·w[y_i]·(−log p_i[y_i]) + (ε / C)·Σ_c w[c]·(−log p_i[c]),   loss = Σ_i ℓ_i / Σ_i w[y_i].
 *
 * The normaliser is a property of the whole batch, so a batch computed in parts (micro-batches, worker threads) sums
 * each part's Σ ℓ_i divided by the whole batch's normaliser, and the parts add up to the batch's loss and gradient.
 */
export interface Objective {
	readonly labelSmoothing: number;
	/** One weight per class; absent means every class weighs 1. */
	readonly classWeights?: readonly number[];
}

export const CLASS_WEIGHT_CHOICES = ['auto', 'balanced', 'none'] as const;
export type ClassWeightChoice = (typeof CLASS_WEIGHT_CHOICES)[number];

/** Largest-to-smallest class ratio from which `auto` weighs classes: below it, weights would change little. */
export const IMBALANCE_RATIO = 1.5;

export interface ClassWeighting {
	readonly weights?: readonly number[];
	readonly reason: string;
}

/**
 * `balanced` gives class c the weight n / (C · n_c) (scikit-learn's "balanced"; every class then counts as much as
 * if the classes were equally frequent); `auto` does so only when the largest class has ≥ 1.5× the training images
 * of the smallest.
 */
export function classWeightsFor(
	choice: ClassWeightChoice,
	labels: ArrayLike<number>,
	classes: readonly string[],
): ClassWeighting {
	const counts = new Array<number>(classes.length).fill(0);
	for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
	const present = counts.filter((c) => c > 0);
	const ratio = Math.max(...present) / Math.min(...present);
	if (choice === 'none') return { reason: 'class weights off' };
	if (choice === 'auto' && ratio < IMBALANCE_RATIO) {
		return {
			reason: `classes are balanced enough (largest/smallest ${ratio.toFixed(2)} < ${IMBALANCE_RATIO}): no class weights`,
		};
	}
	const n = labels.length;
	// A class without training images never is a target; weight 1 keeps its smoothing term as without weights.
	const weights = counts.map((c) => (c > 0 ? n / (classes.length * c) : 1));
	const why =
		choice === 'auto'
			? `largest/smallest class ${ratio.toFixed(2)} ≥ ${IMBALANCE_RATIO}`
			: 'asked for';
	return { weights, reason: `balanced class weights (${why}): rarer classes count more` };
}

/** Σ_i w[y_i]: what the batch's summed loss is divided by (the batch size when classes are unweighted). */
export function lossNormaliser(labels: ArrayLike<number>, objective: Objective): number {
	if (!objective.classWeights) return labels.length;
	let sum = 0;
	for (let i = 0; i < labels.length; i++) sum += objective.classWeights[labels[i]];
	return sum;
}

/** Σ_i ℓ_i / `normaliser` for these logits; differentiable. */
export function objectiveLoss(
	logits: tf.Tensor2D,
	labels: tf.Tensor1D,
	objective: Objective,
	normaliser: number,
): tf.Scalar {
	return tf.tidy(() => {
		const classes = logits.shape[1];
		const logp = tf.logSoftmax(logits);
		const targets = tf.oneHot(labels, classes);
		const weights = objective.classWeights
			? tf.tensor1d(objective.classWeights as number[])
			: tf.ones([classes]);
		const eps = objective.labelSmoothing;
		// (1 − ε)·onehot·w + (ε / C)·w: one weight matrix covers both terms of ℓ_i.
		const mix = tf.mul(tf.add(tf.mul(targets, 1 - eps), eps / classes), weights);
		return tf.div(tf.neg(tf.sum(tf.mul(mix, logp))), normaliser) as tf.Scalar;
	});
}
