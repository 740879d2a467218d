import * as tf from '../compute/tf';

/**
 * Learning-rate schedule: `constant`, or linear warm-up over the first `warmupEpochs` then cosine decay to 0 at the
 * last step (torch's LinearLR + CosineAnnealingLR, stepped per batch).
 */
export function learningRateAt(
	base: number,
	schedule: 'constant' | 'cosine',
	warmupEpochs: number,
	epoch: number,
	batch: number,
	batchesPerEpoch: number,
	epochs: number,
): number {
	if (schedule === 'constant') return base;
	const step = (epoch - 1) * batchesPerEpoch + (batch - 1);
	const total = Math.max(1, epochs * batchesPerEpoch);
	const warmup = Math.min(total - 1, Math.round(warmupEpochs * batchesPerEpoch));
	if (step < warmup) return (base * (step + 1)) / (warmup + 1);
	const progress = (step - warmup) / Math.max(1, total - warmup);
	return 0.5 * base * (1 + Math.cos(Math.PI * progress));
}

/** Point the optimiser at a new learning rate (tfjs's SGD/momentum keep it in a scalar, Adam in a field). */
export function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
	const o = optimizer as unknown as { setLearningRate?: (r: number) => void; learningRate: number };
	if (typeof o.setLearningRate === 'function') o.setLearningRate(rate);
	else o.learningRate = rate;
}
