/** Classification metrics computed from predicted class probabilities, as scikit-learn defines them. */

export interface ClassMetrics {
	readonly label: string;
	readonly precision: number;
	readonly recall: number;
	readonly f1: number;
	/** Number of true examples of this class. */
	readonly support: number;
}

export interface AveragedMetrics {
	readonly precision: number;
	readonly recall: number;
	readonly f1: number;
}

export interface ClassificationMetrics {
	readonly count: number;
	readonly accuracy: number;
	readonly topK: number;
	/** Share of examples whose true class is among the K most probable. */
	readonly topKAccuracy: number;
	readonly perClass: readonly ClassMetrics[];
	/** Unweighted mean over classes. */
	readonly macro: AveragedMetrics;
	/** Mean over classes weighted by support. */
	readonly weighted: AveragedMetrics;
	/** `confusionMatrix[true][predicted]` counts. */
	readonly confusionMatrix: readonly (readonly number[])[];
	/** Mean cross-entropy of the true class. */
	readonly loss: number;
}

/** Index of the largest value of row `row` of a row-major [n, k] matrix. */
export function argmaxRow(values: ArrayLike<number>, row: number, k: number): number {
	let best = 0;
	for (let j = 1; j < k; j++) if (values[row * k + j] > values[row * k + best]) best = j;
	return best;
}

/** Indices of the `count` largest values of a row, most probable first. */
export function topIndices(
	values: ArrayLike<number>,
	row: number,
	k: number,
	count: number,
): number[] {
	return Array.from({ length: k }, (_, j) => j)
		.sort((a, b) => values[row * k + b] - values[row * k + a])
		.slice(0, Math.min(count, k));
}

export function classificationMetrics(
	probabilities: ArrayLike<number>,
	trueLabels: ArrayLike<number>,
	classes: readonly string[],
	topK = 5,
): ClassificationMetrics {
	const k = classes.length;
	const n = trueLabels.length;
	const confusion = classes.map(() => new Array<number>(k).fill(0));
	let correct = 0;
	let inTopK = 0;
	let loss = 0;
	const effectiveTopK = Math.min(topK, k);
	for (let i = 0; i < n; i++) {
		const truth = trueLabels[i];
		const predicted = argmaxRow(probabilities, i, k);
		confusion[truth][predicted]++;
		if (predicted === truth) correct++;
		if (topIndices(probabilities, i, k, effectiveTopK).includes(truth)) inTopK++;
		loss -= Math.log(Math.max(probabilities[i * k + truth], 1e-12));
	}
	const perClass = classes.map((label, c): ClassMetrics => {
		const tp = confusion[c][c];
		const support = confusion[c].reduce((a, b) => a + b, 0);
		const predictedCount = confusion.reduce((sum, row) => sum + row[c], 0);
		// scikit-learn's zero_division=0: an undefined ratio counts as 0.
		const precision = predictedCount > 0 ? tp / predictedCount : 0;
		const recall = support > 0 ? tp / support : 0;
		const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
		return { label, precision, recall, f1, support };
	});
	const average = (weights: number[]): AveragedMetrics => {
		const total = weights.reduce((a, b) => a + b, 0) || 1;
		const mean = (key: keyof AveragedMetrics) =>
			perClass.reduce((sum, m, c) => sum + m[key] * weights[c], 0) / total;
		return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
	};
	return {
		count: n,
		accuracy: n > 0 ? correct / n : 0,
		topK: effectiveTopK,
		topKAccuracy: n > 0 ? inTopK / n : 0,
		perClass,
		macro: average(perClass.map(() => 1)),
		weighted: average(perClass.map((m) => m.support)),
		confusionMatrix: confusion,
		loss: n > 0 ? loss / n : 0,
	};
}

export interface Calibration {
	/** Expected calibration error: the confidence-weighted gap between confidence and accuracy (0 = calibrated). */
	readonly ece: number;
	/** Equal-width confidence bins; empty bins have count 0. */
	readonly bins: readonly {
		readonly from: number;
		readonly to: number;
		readonly count: number;
		readonly confidence: number;
		readonly accuracy: number;
	}[];
}

/** How far top-1 confidence is from top-1 accuracy (Guo et al. 2017, 10 equal-width bins). */
export function calibration(
	probabilities: ArrayLike<number>,
	trueLabels: ArrayLike<number>,
	k: number,
	binCount = 10,
): Calibration {
	const n = trueLabels.length;
	const sums = Array.from({ length: binCount }, () => ({ count: 0, confidence: 0, correct: 0 }));
	for (let i = 0; i < n; i++) {
		const predicted = argmaxRow(probabilities, i, k);
		const confidence = probabilities[i * k + predicted];
		const bin = sums[Math.min(binCount - 1, Math.floor(confidence * binCount))];
		bin.count++;
		bin.confidence += confidence;
		if (predicted === trueLabels[i]) bin.correct++;
	}
	let ece = 0;
	const bins = sums.map((b, i) => {
		const confidence = b.count > 0 ? b.confidence / b.count : 0;
		const accuracy = b.count > 0 ? b.correct / b.count : 0;
		ece += n > 0 ? (b.count / n) * Math.abs(confidence - accuracy) : 0;
		return { from: i / binCount, to: (i + 1) / binCount, count: b.count, confidence, accuracy };
	});
	return { ece, bins };
}
