import type { NumberSpec } from './option';

/**
 * Top K, as Evaluate and Classify both take it: one range, so that `--top-k 0` is refused alike by both.
 * Above the model's class count it lists every class.
 */
export const TOP_K = { type: 'integer', min: 1, max: 1000 } as const satisfies Omit<
	NumberSpec,
	'default'
>;

/** Images per forward pass, for Evaluate and Classify. */
export const INFERENCE_BATCH = { type: 'integer', min: 1, max: 128 } as const satisfies Omit<
	NumberSpec,
	'default'
>;
