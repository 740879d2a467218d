import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Evaluation } from '../lib/eval/evaluate';
import { calibration, classificationMetrics } from '../lib/eval/metrics';
import {
	confusionMatrixSvg,
	evaluationPictures,
	MAX_CLASSES_SHOWN,
} from '../lib/report/evaluation-pictures';
import { trainingCurvesPng, trainingCurvesSvg } from '../lib/report/training-curves';
import { writeSyntheticDataset } from '../lib/data/synthetic';
import { tempDir } from './support/temp';

/** An evaluation built from known probabilities (the metrics are computed, not typed in). */
function evaluationOf(
	probabilities: number[][],
	labels: number[],
	classes: string[],
	files: string[] = [],
): Evaluation {
	const flat = Float32Array.from(probabilities.flat());
	const metrics = classificationMetrics(flat, Int32Array.from(labels), classes, 2);
	const misclassified = probabilities.flatMap((p, i) => {
		const predicted = p.indexOf(Math.max(...p));
		return predicted === labels[i]
			? []
			: [
					{
						file: files[i] ?? `/nowhere/${i}.png`,
						trueLabel: classes[labels[i]],
						predictedLabel: classes[predicted],
						confidence: p[predicted],
					},
				];
	});
	return {
		metrics,
		misclassified,
		calibration: calibration(flat, Int32Array.from(labels), classes.length),
		msPerImage: 1,
	};
}

async function isPicture(png: Buffer): Promise<{ width: number; height: number }> {
	const image = sharp(png);
	const meta = await image.metadata();
	assert.equal(meta.format, 'png');
	const stats = await image.stats();
	assert.ok(
		stats.channels.some((c) => c.stdev > 10),
		'not a blank image',
	);
	return { width: meta.width!, height: meta.height! };
}

describe('report pictures', () => {
	it('draws training curves with both series and the saved epoch marked', async () => {
		const history = [1, 2, 3, 4].map((epoch) => ({
			epoch,
			trainLoss: 2 / epoch,
			trainAccuracy: 0.2 * epoch,
			validationLoss: 1 + (epoch - 2.5) ** 2 / 4,
			validationAccuracy: 0.5 + epoch / 20,
			seconds: 1,
		}));
		const svg = trainingCurvesSvg(history, 3, 'parts v2');
		assert.match(svg, /saved: 3/);
		// The label keeps clear of the curves: at the top of the loss panel (losses low by then), at the bottom of
		// the accuracy panel (accuracy 0.65 and 0.6 at epoch 3, in its upper half).
		const labelYs = [...svg.matchAll(/<text[^>]* y="([\d.]+)"[^>]*>saved: 3</g)].map((m) =>
			Number(m[1]),
		);
		assert.equal(labelYs.length, 2);
		assert.ok(labelYs[0] < 150 && labelYs[1] > 300, `label heights ${labelYs.join(', ')}`);
		assert.equal(
			(svg.match(/<polyline/g) ?? []).length,
			4,
			'train and validation, loss and accuracy',
		);
		assert.deepEqual(await isPicture(await trainingCurvesPng(history, 3, 'parts v2')), {
			width: 1000,
			height: 440,
		});
	});

	it('computes the expected calibration error: 0 when confidence matches accuracy, the gap when it does not', () => {
		// Ten images at confidence 0.8, eight right: calibrated.
		const right = Array.from({ length: 10 }, (_, i) => ({ p: [0.8, 0.2], label: i < 8 ? 0 : 1 }));
		assert.ok(
			calibration(
				Float32Array.from(right.flatMap((r) => r.p)),
				Int32Array.from(right.map((r) => r.label)),
				2,
			).ece < 1e-6,
		);
		// Ten at confidence 0.9, half right: overconfident by 0.4.
		const over = Array.from({ length: 10 }, (_, i) => ({ p: [0.9, 0.1], label: i % 2 }));
		const c = calibration(
			Float32Array.from(over.flatMap((r) => r.p)),
			Int32Array.from(over.map((r) => r.label)),
			2,
		);
		assert.ok(Math.abs(c.ece - 0.4) < 1e-6, String(c.ece));
		assert.equal(
			c.bins.reduce((a, b) => a + b.count, 0),
			10,
		);
		assert.equal(c.bins.filter((b) => b.count > 0).length, 1, 'all in one confidence bin');
	});

	it('renders the confusion matrix, per-class bars, reliability diagram and a contact sheet of real mistaken images', async () => {
		const dir = path.join(tempDir(), 'shapes');
		await writeSyntheticDataset(dir, { classes: 3, perClass: 2, size: 64, seed: 1 });
		const files = fs.readdirSync(path.join(dir, 'circle')).map((f) => path.join(dir, 'circle', f));
		const evaluation = evaluationOf(
			[
				[0.7, 0.2, 0.1],
				[0.1, 0.8, 0.1],
				[0.2, 0.2, 0.6],
				[0.9, 0.05, 0.05],
			],
			[0, 1, 2, 1],
			['circle', 'square', 'triangle'],
			[files[0], files[1], files[0], files[1]],
		);
		const pictures = await evaluationPictures(evaluation);
		for (const png of [pictures.confusionMatrix, pictures.perClass, pictures.calibration])
			await isPicture(png);
		assert.ok(pictures.mistakes, 'one mistake: a contact sheet');
		await isPicture(pictures.mistakes);
		assert.match(confusionMatrixSvg(evaluation), /accuracy 75\.0 % on 4 images/);
	});

	it('summarises more than 30 classes to the most frequent ones, so the picture stays legible', () => {
		const classes = Array.from({ length: 40 }, (_, i) => `class-${i}`);
		const labels = classes.flatMap((_, c) => Array.from({ length: c < 30 ? 3 : 1 }, () => c));
		const probabilities = labels.map((label) =>
			classes.map((_, c) => (c === label ? 0.9 : 0.1 / 39)),
		);
		const svg = confusionMatrixSvg(evaluationOf(probabilities, labels, classes));
		assert.match(svg, new RegExp(`the ${MAX_CLASSES_SHOWN} most frequent of 40 classes`));
		assert.ok(!svg.includes('class-35'), 'a rare class is left out of the picture');
	});
});
