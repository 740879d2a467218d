import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mapLimited } from '../map-limited';
import type { Problem } from './dataset';

/**
 * Byte-identical files in a dataset. A copy in two classes teaches the model a contradiction; a copy across train and
 * validation inflates the validation accuracy. Both are reported, neither is dropped: the user decides.
 */
export async function findDuplicates(images: readonly { file: string; label: string }[]): Promise<Problem[]> {
	const byHash = new Map<string, { file: string; label: string }[]>();
	const hashes = await mapLimited(images, 8, (image) => hashFile(image.file).catch(() => undefined));
	images.forEach((image, i) => {
		const hash = hashes[i];
		if (hash === undefined) return;
		const group = byHash.get(hash);
		if (group) group.push(image);
		else byHash.set(hash, [image]);
	});
	const problems: Problem[] = [];
	for (const group of byHash.values()) {
		if (group.length < 2) continue;
		const labels = [...new Set(group.map((g) => g.label))].sort();
		const others = group.slice(1).map((g) => g.file).join(', ');
		problems.push({
			file: group[0].file,
			reason: labels.length > 1 ? `is duplicated in other classes (${labels.join(', ')}): ${others}` : `has identical copies: ${others}`,
		});
	}
	return problems;
}

function hashFile(file: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const hash = createHash('sha256');
		createReadStream(file)
			.on('data', (chunk) => hash.update(chunk))
			.on('error', reject)
			.on('end', () => resolve(hash.digest('hex')));
	});
}
