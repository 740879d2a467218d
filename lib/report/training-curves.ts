import type { EpochRecord } from '../train/types';
import { COLORS, svgDocument, text, toPng } from './svg';

/**
 * Loss and accuracy per epoch, training and validation, side by side; the saved epoch (the one whose weights the model holds) marked. Overfitting shows as
 * validation loss rising while training loss falls; underfitting as both accuracies staying low.
 */
export function trainingCurvesSvg(
	history: readonly EpochRecord[],
	savedEpoch: number,
	title: string,
): string {
	const width = 1000;
	const height = 440;
	const panels = [
		{ label: 'Loss', key: ['trainLoss', 'validationLoss'] as const, x: 60, unit: '' },
		{ label: 'Accuracy', key: ['trainAccuracy', 'validationAccuracy'] as const, x: 560, unit: '%' },
	];
	let body = text(width / 2, 28, title, { size: 18, anchor: 'middle', weight: 'bold' });
	for (const panel of panels) {
		const w = 400;
		const h = 300;
		const top = 70;
		const values = history.flatMap((r) =>
			panel.key.map((k) => r[k]).filter((v): v is number => v !== undefined && Number.isFinite(v)),
		);
		const isAccuracy = panel.unit === '%';
		const max = isAccuracy ? 1 : Math.max(...values, 1e-6) * 1.1;
		const min = 0;
		const epochs = Math.max(history.length, 1);
		const px = (epoch: number) =>
			panel.x + (epochs === 1 ? w / 2 : ((epoch - 1) / (epochs - 1)) * w);
		const py = (v: number) => top + h - ((v - min) / (max - min)) * h;
		body += text(panel.x + w / 2, top - 14, panel.label, {
			size: 16,
			anchor: 'middle',
			weight: 'bold',
		});
		for (let i = 0; i <= 4; i++) {
			const v = min + ((max - min) * i) / 4;
			body += `<line x1="${panel.x}" x2="${panel.x + w}" y1="${py(v)}" y2="${py(v)}" stroke="${COLORS.grid}"/>`;
			body += text(panel.x - 8, py(v) + 5, isAccuracy ? `${Math.round(v * 100)}%` : v.toFixed(2), {
				size: 12,
				anchor: 'end',
				color: COLORS.muted,
			});
		}
		const tickEvery = Math.max(1, Math.ceil(epochs / 10));
		for (const r of history) {
			if ((r.epoch - 1) % tickEvery === 0 || r.epoch === epochs)
				body += text(px(r.epoch), top + h + 20, String(r.epoch), {
					size: 12,
					anchor: 'middle',
					color: COLORS.muted,
				});
		}
		body += text(panel.x + w / 2, top + h + 42, 'epoch', {
			size: 13,
			anchor: 'middle',
			color: COLORS.muted,
		});
		if (history.some((r) => r.epoch === savedEpoch)) {
			body += `<line x1="${px(savedEpoch)}" x2="${px(savedEpoch)}" y1="${top}" y2="${top + h}" stroke="${COLORS.best}" stroke-dasharray="6 4" stroke-width="2"/>`;
			// Right of the line, or left of it in the panel's right half, so the label never runs past the panel; at the
			// panel's top unless the curves pass through the upper half there (accuracy near 100 %), then at its bottom.
			const onLeft = px(savedEpoch) > panel.x + w / 2;
			const saved = history.find((r) => r.epoch === savedEpoch)!;
			const high = panel.key.some((k) => {
				const v = saved[k];
				return v !== undefined && Number.isFinite(v) && py(v) < top + h / 2;
			});
			const labelY = high ? top + h - 8 : top + 14;
			body += text(px(savedEpoch) + (onLeft ? -4 : 4), labelY, `saved: ${savedEpoch}`, {
				size: 12,
				color: COLORS.best,
				anchor: onLeft ? 'end' : 'start',
			});
		}
		panel.key.forEach((key, series) => {
			const points = history
				.filter((r) => r[key] !== undefined && Number.isFinite(r[key]))
				.map((r) => [px(r.epoch), py(r[key] as number)] as const);
			const color = series === 0 ? COLORS.train : COLORS.validation;
			if (points.length > 1)
				body += `<polyline fill="none" stroke="${color}" stroke-width="3" points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`;
			for (const [x, y] of points)
				body += `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${color}"/>`;
		});
	}
	body +=
		`<rect x="380" y="${height - 34}" width="14" height="14" fill="${COLORS.train}"/>` +
		text(400, height - 22, 'training', { size: 14 });
	body +=
		`<rect x="500" y="${height - 34}" width="14" height="14" fill="${COLORS.validation}"/>` +
		text(520, height - 22, 'validation', { size: 14 });
	return svgDocument(width, height, body);
}

export function trainingCurvesPng(
	history: readonly EpochRecord[],
	savedEpoch: number,
	title: string,
): Promise<Buffer> {
	return toPng(trainingCurvesSvg(history, savedEpoch, title));
}
