import { mapLimited } from '../map-limited';
import type { Problem } from './dataset';
import { hashFile } from '../hash-file';

/** SHA-256 of each image's bytes: from `known` when the scan already hashed it, else read now. */
export async function contentHashes(
	images: readonly { file: string }[],
	known?: ReadonlyMap<string, string>,
): Promise<(string | undefined)[]> {
	return mapLimited(images, 8, (image) => {
		const hash = known?.get(image.file);
		return hash !== undefined ? Promise.resolve(hash) : hashFile(image.file).catch(() => undefined);
	});
}

/**
 * Byte-identical files in a dataset. A copy in two classes is a labelling error: the model is taught a
 * contradiction. A copy within a class weighs that image twice. Both are reported; neither is dropped (the user
 * decides), and the split keeps copies on one side so they cannot inflate validation accuracy.
 */
export function duplicateProblems(
	images: readonly { file: string; label: string }[],
	hashes: readonly (string | undefined)[],
): Problem[] {
	const problems: Problem[] = [];
	for (const group of groupByHash(images, hashes).values()) {
		if (group.length < 2) continue;
		const labels = [...new Set(group.map((g) => g.label))].sort();
		const others = group
			.slice(1)
			.map((g) => g.file)
			.join(', ');
		problems.push(
			labels.length > 1
				? {
						file: group[0].file,
						reason: `is duplicated in other classes (${labels.join(', ')}): ${others}; one of the labels is wrong`,
						kind: 'duplicate-across-classes',
						kept: true,
					}
				: {
						file: group[0].file,
						reason: `has identical copies: ${others}`,
						kind: 'duplicate',
						kept: true,
					},
		);
	}
	return problems;
}

export function groupByHash<T>(
	images: readonly T[],
	hashes: readonly (string | undefined)[],
): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	images.forEach((image, i) => {
		const key = hashes[i] ?? `unhashed:${i}`;
		const group = groups.get(key);
		if (group) group.push(image);
		else groups.set(key, [image]);
	});
	return groups;
}
