import type { DatasetManifest } from '../../lib';

export function summarize(m: DatasetManifest): string {
	return `${m.classes.length} classes, ${m.train.length} training and ${m.validation.length} validation images, ${m.problems.length} problem(s)`;
}
