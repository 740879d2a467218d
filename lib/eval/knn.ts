import { InvalidParameterError } from '../errors';

/**
 * k-nearest-neighbour classification of embeddings, the baseline a fine-tuned classifier is measured against. Rows
 * are unit length, so cosine similarity is their dot product. Pure: plain arrays in, counts out.
 */

export interface KnnResult {
	readonly accuracy: number;
	readonly correct: number;
	readonly count: number;
	/** The k used: the one asked for, clipped to the references each row can be voted by. */
	readonly k: number;
}

/**
 * Rows of `query` (n×d, unit length) voted by their k most similar rows of `reference` (m×d); ties in votes broken
 * by summed similarity, then the nearest.
 */
export function knnAccuracy(
	reference: Float32Array,
	referenceLabels: Int32Array,
	query: Float32Array,
	queryLabels: Int32Array,
	d: number,
	k: number,
): KnnResult {
	checkShape(reference, referenceLabels, d, 'reference');
	checkShape(query, queryLabels, d, 'query');
	const m = referenceLabels.length;
	const kUsed = clippedK(k, m);
	let correct = 0;
	for (let i = 0; i < queryLabels.length; i++) {
		const predicted = vote(reference, referenceLabels, query, i, d, kUsed, -1);
		if (predicted === queryLabels[i]) correct++;
	}
	return result(correct, queryLabels.length, kUsed);
}

/** Leave-one-out: each row voted by its k most similar OTHER rows of the same set. */
export function knnLeaveOneOut(
	embeddings: Float32Array,
	labels: Int32Array,
	d: number,
	k: number,
): KnnResult {
	checkShape(embeddings, labels, d, 'embeddings');
	const n = labels.length;
	const kUsed = clippedK(k, n - 1);
	let correct = 0;
	for (let i = 0; i < n; i++) {
		if (vote(embeddings, labels, embeddings, i, d, kUsed, i) === labels[i]) correct++;
	}
	return result(correct, n, kUsed);
}

function result(correct: number, count: number, k: number): KnnResult {
	return { accuracy: count > 0 ? correct / count : 0, correct, count, k };
}

function checkShape(rows: Float32Array, labels: Int32Array, d: number, name: string): void {
	if (!Number.isInteger(d) || d < 1)
		throw new InvalidParameterError('d', `must be a whole number of at least 1, got ${d}`);
	if (rows.length !== labels.length * d)
		throw new InvalidParameterError(
			name,
			`holds ${rows.length} numbers, not ${labels.length} labels × ${d} dimensions`,
		);
}

/** k above the references available votes with all of them; with none there is nothing to vote. */
function clippedK(k: number, available: number): number {
	if (!Number.isInteger(k) || k < 1)
		throw new InvalidParameterError('k', `must be a whole number of at least 1, got ${k}`);
	if (available < 1)
		throw new InvalidParameterError(
			'references',
			'kNN needs at least one reference row besides the row being classified',
		);
	return Math.min(k, available);
}

/**
 * The label row `row` of `query` gets from its k most similar rows of `reference` (`skip`: a row not to count,
 * the query itself when leaving one out). Equal similarities keep the lower reference index, so that the result
 * does not depend on sort stability.
 */
function vote(
	reference: Float32Array,
	referenceLabels: Int32Array,
	query: Float32Array,
	row: number,
	d: number,
	k: number,
	skip: number,
): number {
	// The k best so far, most similar first: insertion into a short list beats sorting all m similarities.
	const bestSimilarity = new Float64Array(k).fill(-Infinity);
	const bestIndex = new Int32Array(k).fill(-1);
	const q = row * d;
	for (let j = 0; j < referenceLabels.length; j++) {
		if (j === skip) continue;
		let s = 0;
		const r = j * d;
		for (let t = 0; t < d; t++) s += query[q + t] * reference[r + t];
		if (!(s > bestSimilarity[k - 1]) && bestIndex[k - 1] !== -1) continue;
		let at = k - 1;
		while (at > 0 && (s > bestSimilarity[at - 1] || bestIndex[at - 1] === -1)) {
			bestSimilarity[at] = bestSimilarity[at - 1];
			bestIndex[at] = bestIndex[at - 1];
			at--;
		}
		bestSimilarity[at] = s;
		bestIndex[at] = j;
	}
	// Labels in the order their nearest member appears: the first of equal (votes, summed similarity) wins.
	const tally = new Map<number, { votes: number; sum: number }>();
	for (let a = 0; a < k; a++) {
		const label = referenceLabels[bestIndex[a]];
		const entry = tally.get(label);
		if (entry) {
			entry.votes++;
			entry.sum += bestSimilarity[a];
		} else tally.set(label, { votes: 1, sum: bestSimilarity[a] });
	}
	let winner = -1;
	let best = { votes: -1, sum: -Infinity };
	for (const [label, entry] of tally) {
		if (entry.votes > best.votes || (entry.votes === best.votes && entry.sum > best.sum)) {
			winner = label;
			best = entry;
		}
	}
	return winner;
}
