import * as fs from 'node:fs/promises';
import sharp from 'sharp';
import { FileError } from '../errors';
import { PIXEL_LIMIT } from '../options/dataset';
import { checkOption } from '../options/option';
import { resizeBeforeCrop } from './eval-crop';
import type { PilFilter } from './pil-resize';
import { pilResizeOffThread } from './resize-pool/pool';
import { torchvisionCropOffset, torchvisionResizeSize, type Resampler } from './preprocessing';
import { IMAGENET_NORMALIZATION, type Normalization } from './normalization';
import type { AugmentationPreset } from './augment';
import {
	AUGMENTATION_PRESETS,
	jitterColors,
	sampleColorFactors,
	type ColorFactors,
} from './augment';
import type { Rng } from './random';

/** Images above this many pixels are refused before decoding (decompression bombs). */
export const DEFAULT_PIXEL_LIMIT = PIXEL_LIMIT.default;

/** A pixel limit given to a library function, checked by the rule of `maxMegapixels` (in pixels). */
export function checkPixelLimit(value: unknown): number {
	return checkOption(PIXEL_LIMIT, 'limitInputPixels', value);
}

export type ImageInput = string | Buffer;

export interface ImageTransform {
	/** `eval`: resize the shorter side, centre-crop. `train`: random-resized crop and horizontal flip. */
	readonly mode: 'eval' | 'train';
	/** Side of the square output (the network input). */
	readonly cropSize: number;
	/** Eval only: the shorter side before the centre crop (default cropSize·256/224, torchvision's ratio: eval-crop.ts). */
	readonly resizeSize?: number;
	/** Train only: drives crop and flip, so a seed reproduces the same pixels. */
	readonly rng?: Rng;
	/** Train only: which random transforms (default `standard`: random-resized crop 0.5–1, flip, ±10° rotation). */
	readonly augmentation?: AugmentationPreset;
	readonly normalization?: Normalization;
	/**
	 * How images are resized (default `pil-bilinear`, torchvision's; `pil-bicubic`, timm's; `sharp` for model files
	 * trained before them: see preprocessing.ts).
	 */
	readonly resampler?: Resampler;
	readonly limitInputPixels?: number;
	/** Names a buffer input in errors. */
	readonly name?: string;
}

/**
 * Decode an image into normalised float32 HWC pixels of `cropSize`²×3: EXIF orientation applied, any colourspace
 * or bit depth to 8-bit sRGB, alpha flattened onto white, first frame of animations.
 */
export async function loadImageTensorData(
	source: ImageInput,
	transform: ImageTransform,
): Promise<Float32Array> {
	checkPixelLimit(transform.limitInputPixels);
	const name = transform.name ?? (typeof source === 'string' ? source : 'image');
	await rejectEmpty(source, name);
	const size = transform.cropSize;
	const resampler = transform.resampler ?? 'pil-bilinear';
	try {
		if (transform.mode === 'train') {
			const rng = transform.rng;
			if (!rng) throw new Error('internal: the train transform needs an rng');
			const spec = AUGMENTATION_PRESETS[transform.augmentation ?? 'standard'];
			let pixels: RawPixels;
			if (spec.cropScale && resampler === 'sharp') {
				const { width, height } = await orientedSize(source, transform.limitInputPixels);
				const box = randomResizedCrop(width, height, spec.cropScale, [3 / 4, 4 / 3], rng);
				pixels = await decoder(source, transform.limitInputPixels)
					.extract(box)
					.resize(size, size, { fit: 'fill' })
					.raw({ depth: 'uchar' })
					.toBuffer({ resolveWithObject: true });
			} else if (spec.cropScale) {
				// torchvision's resized_crop on PIL images: crop the box, then resize it.
				const full = await decoded(source, transform.limitInputPixels);
				const box = randomResizedCrop(full.width, full.height, spec.cropScale, [3 / 4, 4 / 3], rng);
				const cropped = cropPixels(full, box);
				pixels = rawPixels(
					await pilResizeOffThread({
						data: cropped,
						width: box.width,
						height: box.height,
						channels: full.channels,
						outWidth: size,
						outHeight: size,
						filter: pilFilter(resampler),
					}),
					size,
					size,
					full.channels,
				);
			} else {
				pixels = await centreCropped(
					source,
					size,
					transform.resizeSize ?? resizeBeforeCrop(size),
					transform.limitInputPixels,
					resampler,
				);
			}
			if (spec.rotation > 0) {
				const angle = (rng.next() * 2 - 1) * spec.rotation;
				const { data, info } = pixels;
				pixels = await sharp(data, {
					raw: {
						width: info.width,
						height: info.height,
						channels: info.channels as sharp.Channels,
					},
				})
					.rotate(angle, { background: '#ffffff' })
					.raw({ depth: 'uchar' })
					.toBuffer({ resolveWithObject: true });
			}
			const flip = spec.flip && rng.next() < 0.5;
			const colors = sampleColorFactors(spec, rng);
			const { data, info } = pixels;
			// Rotation grows the canvas; the centre keeps the input size, as torchvision's RandomRotation (expand=False).
			const left = cropOffset(info.width, size, resampler);
			const top = cropOffset(info.height, size, resampler);
			return normalise(
				data,
				info.width,
				info.height,
				info.channels,
				left,
				top,
				size,
				transform.normalization,
				flip,
				colors,
			);
		}
		const { data, info } = await centreCropped(
			source,
			size,
			transform.resizeSize ?? resizeBeforeCrop(size),
			transform.limitInputPixels,
			resampler,
			true,
		);
		const left = cropOffset(info.width, size, resampler);
		const top = cropOffset(info.height, size, resampler);
		return normalise(
			data,
			info.width,
			info.height,
			info.channels,
			left,
			top,
			size,
			transform.normalization,
		);
	} catch (error) {
		throw decodeError(name, error, transform.limitInputPixels);
	}
}

interface RawPixels {
	readonly data: Uint8Array;
	readonly info: { readonly width: number; readonly height: number; readonly channels: number };
}

/**
 * The shorter side resized to `resize`; the caller crops the centre `size`² (torchvision's Resize + CenterCrop).
 * With `cropHere`, Pillow's resize computes only that centre (the same bytes; the caller's crop is then all of it).
 */
async function centreCropped(
	source: ImageInput,
	size: number,
	resize: number,
	limitInputPixels: number | undefined,
	resampler: Resampler,
	cropHere = false,
): Promise<RawPixels> {
	if (resize < size)
		throw new Error(`internal: resize ${resize} is smaller than the ${size}px crop`);
	if (resampler === 'sharp')
		return decoder(source, limitInputPixels)
			.resize({ width: resize, height: resize, fit: 'outside' })
			.raw({ depth: 'uchar' })
			.toBuffer({ resolveWithObject: true });
	const full = await decoded(source, limitInputPixels);
	const out = torchvisionResizeSize(full.width, full.height, resize);
	const window = cropHere
		? {
				left: torchvisionCropOffset(out.width, size),
				top: torchvisionCropOffset(out.height, size),
				width: size,
				height: size,
			}
		: undefined;
	return rawPixels(
		await pilResizeOffThread({
			data: full.data,
			width: full.width,
			height: full.height,
			channels: full.channels,
			outWidth: out.width,
			outHeight: out.height,
			filter: pilFilter(resampler),
			window,
		}),
		window?.width ?? out.width,
		window?.height ?? out.height,
		full.channels,
	);
}

function pilFilter(resampler: Resampler): PilFilter {
	return resampler === 'pil-bicubic' ? 'bicubic' : 'bilinear';
}

/** torchvision's CenterCrop rounds the offset half to even; 0.1.x's sharp path rounded half up. */
function cropOffset(side: number, size: number, resampler: Resampler): number {
	return resampler === 'sharp' ? Math.round((side - size) / 2) : torchvisionCropOffset(side, size);
}

/** The whole image as 8-bit sRGB (or one grey band), orientation applied: what PIL holds after exif_transpose. */
async function decoded(
	source: ImageInput,
	limitInputPixels?: number,
): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
	const { data, info } = await decoder(source, limitInputPixels)
		.raw({ depth: 'uchar' })
		.toBuffer({ resolveWithObject: true });
	return { data, width: info.width, height: info.height, channels: info.channels };
}

function rawPixels(data: Uint8Array, width: number, height: number, channels: number): RawPixels {
	return { data, info: { width, height, channels } };
}

function cropPixels(
	image: { data: Uint8Array; width: number; channels: number },
	box: { left: number; top: number; width: number; height: number },
): Uint8Array {
	const { data, width, channels } = image;
	const out = new Uint8Array(box.width * box.height * channels);
	const rowBytes = box.width * channels;
	for (let y = 0; y < box.height; y++) {
		const from = ((box.top + y) * width + box.left) * channels;
		out.set(data.subarray(from, from + rowBytes), y * rowBytes);
	}
	return out;
}

function decoder(source: ImageInput, limitInputPixels = DEFAULT_PIXEL_LIMIT): sharp.Sharp {
	return sharp(source, { limitInputPixels, failOn: 'error' })
		.rotate()
		.flatten({ background: '#ffffff' })
		.toColourspace('srgb');
}

/** Width and height after EXIF orientation (orientations 5–8 swap them). */
export async function orientedSize(
	source: ImageInput,
	limitInputPixels = DEFAULT_PIXEL_LIMIT,
): Promise<{ width: number; height: number }> {
	const meta = await sharp(source, { limitInputPixels }).metadata();
	if (!meta.width || !meta.height) throw new Error('the image has no dimensions');
	const swap = (meta.orientation ?? 1) >= 5;
	return swap
		? { width: meta.height, height: meta.width }
		: { width: meta.width, height: meta.height };
}

/** torchvision's RandomResizedCrop box: 10 tries at a random area share and aspect ratio, else a centre crop. */
export function randomResizedCrop(
	width: number,
	height: number,
	scale: readonly [number, number],
	ratio: readonly [number, number],
	rng: Rng,
): { left: number; top: number; width: number; height: number } {
	const area = width * height;
	const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
	for (let attempt = 0; attempt < 10; attempt++) {
		const target = area * (scale[0] + rng.next() * (scale[1] - scale[0]));
		const aspect = Math.exp(logRatio[0] + rng.next() * (logRatio[1] - logRatio[0]));
		const w = Math.round(Math.sqrt(target * aspect));
		const h = Math.round(Math.sqrt(target / aspect));
		if (w > 0 && h > 0 && w <= width && h <= height) {
			return { left: rng.int(width - w + 1), top: rng.int(height - h + 1), width: w, height: h };
		}
	}
	const inRatio = width / height;
	let w = width;
	let h = height;
	if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
	else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
	return {
		left: Math.floor((width - w) / 2),
		top: Math.floor((height - h) / 2),
		width: w,
		height: h,
	};
}

function normalise(
	data: Uint8Array,
	width: number,
	height: number,
	channels: number,
	left: number,
	top: number,
	size: number,
	normalization: Normalization = IMAGENET_NORMALIZATION,
	flip = false,
	colors?: ColorFactors,
): Float32Array {
	if (width < left + size || height < top + size || left < 0 || top < 0)
		throw new Error(`internal: ${width}×${height} image is smaller than the ${size}px crop`);
	const out = new Float32Array(size * size * 3);
	// Grey images keep one band (sRGB conversion of a 1-band image can stay 1 band); it feeds all three channels.
	const g = channels >= 3 ? 1 : 0;
	for (let y = 0; y < size; y++) {
		let src = ((top + y) * width + left) * channels;
		for (let x = 0; x < size; x++, src += channels) {
			const dst = (y * size + (flip ? size - 1 - x : x)) * 3;
			out[dst] = data[src];
			out[dst + 1] = data[src + g];
			out[dst + 2] = data[src + 2 * g];
		}
	}
	if (colors) jitterColors(out, colors);
	const scale = normalization.std.map((s) => 1 / (255 * s));
	const offset = normalization.mean.map((m, c) => m / normalization.std[c]);
	for (let i = 0; i < out.length; i += 3) {
		out[i] = out[i] * scale[0] - offset[0];
		out[i + 1] = out[i + 1] * scale[1] - offset[1];
		out[i + 2] = out[i + 2] * scale[2] - offset[2];
	}
	return out;
}

async function rejectEmpty(source: ImageInput, name: string): Promise<void> {
	if (typeof source === 'string') {
		let size: number;
		try {
			size = (await fs.stat(source)).size;
		} catch (error) {
			throw new FileError(
				name,
				`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
				{ cause: error },
			);
		}
		if (size === 0) throw new FileError(name, 'is empty (0 bytes)');
	} else if (source.length === 0) {
		throw new FileError(name, 'is empty (0 bytes)');
	}
}

/** sharp's messages, made into one reason a user can act on. */
export function describeDecodeFailure(
	error: unknown,
	limitInputPixels = DEFAULT_PIXEL_LIMIT,
): string {
	const message = error instanceof Error ? error.message : String(error);
	if (/pixel limit/i.test(message))
		return `is larger than the pixel limit of ${(limitInputPixels / 1e6).toFixed(0)} megapixels`;
	if (/unsupported image format|bad seek|Input file contains unsupported/i.test(message))
		return 'is not an image format we can read';
	if (/heif|heic/i.test(message))
		return `is a HEIF/HEIC image this build of sharp cannot decode (${message})`;
	if (
		/premature end|truncated|VipsJpeg|end of file|corrupt|invalid|read error|unexpected end/i.test(
			message,
		)
	)
		return `is truncated or corrupt (${message.split('\n')[0]})`;
	return `cannot be decoded (${message.split('\n')[0]})`;
}

function decodeError(name: string, error: unknown, limitInputPixels?: number): FileError {
	if (error instanceof FileError) return error;
	return new FileError(name, describeDecodeFailure(error, limitInputPixels), { cause: error });
}
