import { decodeForModel } from '../infer/classify';
import { gradCams } from '../infer/grad-cam';
import type { TrainedModel } from '../model-file/model-file';
import { gradCamPng } from '../report/grad-cam-picture';
import type { EvaluatedImage } from './evaluate';

/** Images per Grad-CAM forward pass. */
const BATCH = 8;

/**
 * The Grad-CAM heatmap of each mistake's predicted class, by file: where the model saw the class it wrongly chose.
 * An image that no longer decodes (changed on disk since it was scored) simply gets no heatmap on the sheet.
 */
export async function mistakeHeatmaps(
	model: TrainedModel,
	mistakes: readonly EvaluatedImage[],
): Promise<Map<string, Buffer>> {
	const { inputSize, normalization, classes } = model.metadata;
	const heatmaps = new Map<string, Buffer>();
	for (let start = 0; start < mistakes.length; start += BATCH) {
		const decoded = await Promise.all(
			mistakes.slice(start, start + BATCH).map(async (m) => ({
				mistake: m,
				pixels: await decodeForModel(model, m.file).catch(() => undefined),
			})),
		);
		const ready = decoded.filter(
			(d): d is { mistake: EvaluatedImage; pixels: Float32Array } => d.pixels !== undefined,
		);
		if (ready.length === 0) continue;
		const stacked = new Float32Array(ready.length * inputSize * inputSize * 3);
		ready.forEach((d, i) => stacked.set(d.pixels, i * d.pixels.length));
		const cams = await gradCams(
			model.network,
			stacked,
			inputSize,
			inputSize,
			ready.map((d) => classes.indexOf(d.mistake.predictedLabel)),
		);
		for (let i = 0; i < ready.length; i++)
			heatmaps.set(
				ready[i].mistake.file,
				await gradCamPng(ready[i].pixels, inputSize, normalization, cams[i]),
			);
	}
	return heatmaps;
}
