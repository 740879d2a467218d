import * as fs from 'node:fs/promises';
import sharp from 'sharp';
import { FileError } from '../errors';
import { IMAGENET_NORMALIZATION, type Normalization } from './normalization';
import type { Rng } from './random';

/** Images above this many pixels are refused before decoding (decompression bombs). */
export const DEFAULT_PIXEL_LIMIT = 100_000_000;

export type ImageInput = string | Buffer;

export interface ImageTransform {
	/** `eval`: resize the shorter side, centre-crop. `train`: random-resized crop and horizontal flip. */
	readonly mode: 'eval' | 'train';
	/** Side of the square output (the network input). */
	readonly cropSize: number;
	/** Eval only: the shorter side before the centre crop (default cropSize·256/224, torchvision's ratio). */
	readonly resizeSize?: number;
	/** Train only: drives crop and flip, so a seed reproduces the same pixels. */
	readonly rng?: Rng;
	/** Train only: range of the crop's share of the image area (default 0.5–1). */
	readonly scale?: readonly [number, number];
	readonly normalization?: Normalization;
	readonly limitInputPixels?: number;
	/** Names a buffer input in errors. */
	readonly name?: string;
}

export function defaultResizeSize(cropSize: number): number {
	return Math.round((cropSize * 256) / 224);
}

/**
 * Decode an image into normalised float32 HWC pixels of `cropSize`²×3: EXIF orientation applied, any colourspace
 * or bit depth to 8-bit sRGB, alpha flattened onto white, first frame of animations.
 */
export async function loadImageTensorData(source: ImageInput, transform: ImageTransform): Promise<Float32Array> {
	const name = transform.name ?? (typeof source === 'string' ? source : 'image');
	await rejectEmpty(source, name);
	const size = transform.cropSize;
	try {
		if (transform.mode === 'train') {
			const rng = transform.rng;
			if (!rng) throw new Error('internal: the train transform needs an rng');
			const { width, height } = await orientedSize(source, transform.limitInputPixels);
			const box = randomResizedCrop(width, height, transform.scale ?? [0.5, 1], [3 / 4, 4 / 3], rng);
			const flip = rng.next() < 0.5;
			let pipeline = decoder(source, transform.limitInputPixels).extract(box).resize(size, size, { fit: 'fill' });
			if (flip) pipeline = pipeline.flop();
			const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
			return normalise(data, info.width, info.height, info.channels, 0, 0, size, transform.normalization);
		}
		const resize = transform.resizeSize ?? defaultResizeSize(size);
		const { data, info } = await decoder(source, transform.limitInputPixels)
			.resize({ width: resize, height: resize, fit: 'outside' })
			.raw({ depth: 'uchar' })
			.toBuffer({ resolveWithObject: true });
		// torchvision's CenterCrop: offset round((side - crop) / 2).
		const left = Math.round((info.width - size) / 2);
		const top = Math.round((info.height - size) / 2);
		return normalise(data, info.width, info.height, info.channels, left, top, size, transform.normalization);
	} catch (error) {
		throw decodeError(name, error, transform.limitInputPixels);
	}
}

function decoder(source: ImageInput, limitInputPixels = DEFAULT_PIXEL_LIMIT): sharp.Sharp {
	return sharp(source, { limitInputPixels, failOn: 'error' })
		.rotate()
		.flatten({ background: '#ffffff' })
		.toColourspace('srgb');
}

/** Width and height after EXIF orientation (orientations 5–8 swap them). */
export async function orientedSize(source: ImageInput, limitInputPixels = DEFAULT_PIXEL_LIMIT): Promise<{ width: number; height: number }> {
	const meta = await sharp(source, { limitInputPixels }).metadata();
	if (!meta.width || !meta.height) throw new Error('the image has no dimensions');
	const swap = (meta.orientation ?? 1) >= 5;
	return swap ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
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
	return { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
}

function normalise(
	data: Buffer,
	width: number,
	height: number,
	channels: number,
	left: number,
	top: number,
	size: number,
	normalization: Normalization = IMAGENET_NORMALIZATION,
): Float32Array {
	if (width < left + size || height < top + size) throw new Error(`internal: ${width}×${height} image is smaller than the ${size}px crop`);
	const out = new Float32Array(size * size * 3);
	const scale = normalization.std.map((s) => 1 / (255 * s));
	const offset = normalization.mean.map((m, c) => m / normalization.std[c]);
	// Grey images keep one band (sRGB conversion of a 1-band image can stay 1 band); it feeds all three channels.
	const g = channels >= 3 ? 1 : 0;
	for (let y = 0; y < size; y++) {
		let src = ((top + y) * width + left) * channels;
		let dst = y * size * 3;
		for (let x = 0; x < size; x++, src += channels, dst += 3) {
			out[dst] = data[src] * scale[0] - offset[0];
			out[dst + 1] = data[src + g] * scale[1] - offset[1];
			out[dst + 2] = data[src + 2 * g] * scale[2] - offset[2];
		}
	}
	return out;
}

async function rejectEmpty(source: ImageInput, name: string): Promise<void> {
	if (typeof source === 'string') {
		let size: number;
		try {
			size = (await fs.stat(source)).size;
		} catch (error) {
			throw new FileError(name, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
		}
		if (size === 0) throw new FileError(name, 'is empty (0 bytes)');
	} else if (source.length === 0) {
		throw new FileError(name, 'is empty (0 bytes)');
	}
}

/** sharp's messages, made into one reason a user can act on. */
export function describeDecodeFailure(error: unknown, limitInputPixels = DEFAULT_PIXEL_LIMIT): string {
	const message = error instanceof Error ? error.message : String(error);
	if (/pixel limit/i.test(message)) return `is larger than the pixel limit of ${(limitInputPixels / 1e6).toFixed(0)} megapixels`;
	if (/unsupported image format|bad seek|Input file contains unsupported/i.test(message)) return 'is not an image format we can read';
	if (/heif|heic/i.test(message)) return `is a HEIF/HEIC image this build of sharp cannot decode (${message})`;
	if (/premature end|truncated|VipsJpeg|end of file|corrupt|invalid|read error|unexpected end/i.test(message)) return `is truncated or corrupt (${message.split('\n')[0]})`;
	return `cannot be decoded (${message.split('\n')[0]})`;
}

function decodeError(name: string, error: unknown, limitInputPixels?: number): FileError {
	if (error instanceof FileError) return error;
	return new FileError(name, describeDecodeFailure(error, limitInputPixels), { cause: error });
}
