import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomic-write';
import { decodeForModel, type Prediction } from '../infer/classify';
import type { TrainedModel } from '../model-file/model-file';
import { gradCamPng } from '../report/grad-cam-picture';

/**
 * `classify --grad-cam`: each image's heatmap as `<dir>/<image name>.gradcam.png` (a name two images share gets the
 * image's position too), drawn over the image decoded again as the model saw it. Returns the paths, image by image.
 */
export async function writeGradCams(
	model: TrainedModel,
	images: readonly string[],
	predictions: readonly Prediction[],
	dir: string,
): Promise<string[]> {
	await fs.mkdir(dir, { recursive: true });
	const used = new Set<string>();
	const paths: string[] = [];
	for (let i = 0; i < images.length; i++) {
		const cam = predictions[i].gradCam;
		if (!cam) throw new Error(`internal: no Grad-CAM for ${images[i]}`);
		const stem = path.basename(images[i]).replace(/\.[^.]*$/, '');
		const name = used.has(stem) ? `${stem}-${i + 1}` : stem;
		used.add(name);
		const pixels = await decodeForModel(model, images[i]);
		const file = path.join(dir, `${name}.gradcam.png`);
		const { inputSize, normalization } = model.metadata;
		await writeFileAtomic(file, await gradCamPng(pixels, inputSize, normalization, cam));
		paths.push(file);
	}
	return paths;
}
