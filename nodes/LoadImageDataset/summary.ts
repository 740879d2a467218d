import type { DatasetManifest } from '../../lib';

export function summarize(m: DatasetManifest): string {
	return `${m.classes.length} classes, ${m.train.length} training and ${m.validation.length} validation images, ${m.problems.length} problem(s)`;
}

/** Problems worth a line in n8n's log on their own: a class the model could never learn. */
export function classWarnings(m: DatasetManifest): string[] {
	return m.problems.filter((p) => p.kind === 'empty-class').map((p) => `${p.file}: ${p.reason}`);
}
