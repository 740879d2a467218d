import * as tf from '../compute/tf';
import { resizeBilinear } from '../data/bilinear';
import type { ResNet18 } from '../model/resnet18';

/** One image's Grad-CAM: ReLU(Σ_k α_k A_k) over layer4's map, for one class. */
export interface ClassActivationMap {
	readonly classIndex: number;
	/** The map's size: the input's over 32 (7 × 7 at 224 px). */
	readonly height: number;
	readonly width: number;
	/** Row-major, before any scaling (torch's Grad-CAM values exactly). */
	readonly values: Float32Array;
}

/**
 * Grad-CAM of `classIndices[i]` for each NHWC image (height × width pixels, normalised as the model expects).
 *
 * Grad-CAM weighs layer4's channels by the gradient of the class's logit averaged over the map. ResNet-18's head is a
 * global average pool then one linear layer, so that gradient is the class's classifier weight over the map's area at
 * every position: α_k = W[k, c] / (h·w), exactly, with no backward pass. The map therefore costs one forward and is
 * the same on every backend; test/grad-cam.test.ts checks it against torch's autograd Grad-CAM.
 */
export async function gradCams(
	network: ResNet18,
	images: Float32Array,
	height: number,
	width: number,
	classIndices: readonly number[],
): Promise<ClassActivationMap[]> {
	const n = classIndices.length;
	if (images.length !== n * height * width * 3)
		throw new RangeError(
			`gradCams: ${images.length} pixel values for ${n} images of ${height}×${width}`,
		);
	const maps = tf.tidy(() => {
		const activations = network.layer4Activations(tf.tensor4d(images, [n, height, width, 3]));
		const [, h, w, channels] = activations.shape;
		// [512, n]: each image's class column of the classifier, over the map's area (the averaged gradient).
		const alphas = tf.div(
			tf.gather(network.classifierWeight, tf.tensor1d(classIndices as number[], 'int32'), 1),
			h * w,
		);
		const weighted = tf.mul(activations, tf.reshape(tf.transpose(alphas), [n, 1, 1, channels]));
		return tf.relu(tf.sum(weighted, 3)) as tf.Tensor3D;
	});
	try {
		const [, h, w] = maps.shape;
		const values = (await maps.data()) as Float32Array;
		return classIndices.map((classIndex, i) => ({
			classIndex,
			height: h,
			width: w,
			values: values.slice(i * h * w, (i + 1) * h * w),
		}));
	} finally {
		maps.dispose();
	}
}

/**
 * The map at the image's size (bilinear, as torch's interpolate with align_corners=False), scaled so that its peak is
 * 1: what the heatmap shows. A map that is zero everywhere (no evidence for the class anywhere) stays zero.
 */
export function camAtImageSize(
	cam: ClassActivationMap,
	height: number,
	width: number,
): Float32Array {
	const up = resizeBilinear(cam.values, cam.height, cam.width, 1, height, width);
	let peak = 0;
	for (const v of up) if (v > peak) peak = v;
	if (peak > 0) for (let i = 0; i < up.length; i++) up[i] /= peak;
	return up;
}

export interface PixelBox {
	readonly left: number;
	readonly top: number;
	/** Exclusive. */
	readonly right: number;
	readonly bottom: number;
}

/** The share of a map's mass (sum of its values) inside a box: 1 when all the evidence lies on the object. */
export function camMassInside(map: Float32Array, width: number, box: PixelBox): number {
	let inside = 0;
	let total = 0;
	for (let i = 0; i < map.length; i++) {
		const x = i % width;
		const y = (i - x) / width;
		total += map[i];
		if (x >= box.left && x < box.right && y >= box.top && y < box.bottom) inside += map[i];
	}
	return total > 0 ? inside / total : 0;
}
