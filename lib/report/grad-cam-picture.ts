import sharp from 'sharp';
import type { Normalization } from '../data/normalization';
import { camAtImageSize, type ClassActivationMap } from '../infer/grad-cam';

/**
 * A Grad-CAM heatmap over the image as the model saw it (its resized, centre-cropped input, un-normalised): the
 * "jet" colours of OpenCV's COLORMAP_JET, half over the image, as pytorch-grad-cam's show_cam_on_image draws it.
 */
export async function gradCamPng(
	pixels: Float32Array,
	size: number,
	normalization: Normalization,
	cam: ClassActivationMap,
): Promise<Buffer> {
	const heat = camAtImageSize(cam, size, size);
	const rgb = Buffer.alloc(size * size * 3);
	for (let i = 0; i < size * size; i++) {
		const colour = jet(heat[i]);
		for (let c = 0; c < 3; c++) {
			const seen = pixels[i * 3 + c] * normalization.std[c] + normalization.mean[c];
			rgb[i * 3 + c] = Math.round(255 * clamp01(0.5 * seen + 0.5 * colour[c]));
		}
	}
	return sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
		.png({ compressionLevel: 9 })
		.toBuffer();
}

/** OpenCV's jet: dark blue (0) → cyan → yellow → dark red (1). */
function jet(v: number): readonly [number, number, number] {
	const t = clamp01(v);
	return [
		clamp01(1.5 - Math.abs(4 * t - 3)),
		clamp01(1.5 - Math.abs(4 * t - 2)),
		clamp01(1.5 - Math.abs(4 * t - 1)),
	];
}

function clamp01(v: number): number {
	return v < 0 ? 0 : v > 1 ? 1 : v;
}
