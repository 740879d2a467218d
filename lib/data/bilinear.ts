/**
 * Bilinear resampling of an HWC float map as torch's `F.interpolate(mode='bilinear', align_corners=False)` does it
 * (half-pixel centres, no antialiasing, sources left of the first centre clamped to it). Grad-CAM upsamples its map
 * with it, as torch-based Grad-CAM tools do, and test-time augmentation scales its crops back to the input size.
 */
export function resizeBilinear(
	source: Float32Array,
	height: number,
	width: number,
	channels: number,
	outHeight: number,
	outWidth: number,
): Float32Array {
	const out = new Float32Array(outHeight * outWidth * channels);
	const rows = taps(height, outHeight);
	const cols = taps(width, outWidth);
	for (let y = 0; y < outHeight; y++) {
		const [y0, y1, wy] = [rows.low[y], rows.high[y], rows.weight[y]];
		for (let x = 0; x < outWidth; x++) {
			const [x0, x1, wx] = [cols.low[x], cols.high[x], cols.weight[x]];
			const o = (y * outWidth + x) * channels;
			for (let c = 0; c < channels; c++) {
				const top =
					source[(y0 * width + x0) * channels + c] * (1 - wx) +
					source[(y0 * width + x1) * channels + c] * wx;
				const bottom =
					source[(y1 * width + x0) * channels + c] * (1 - wx) +
					source[(y1 * width + x1) * channels + c] * wx;
				out[o + c] = top * (1 - wy) + bottom * wy;
			}
		}
	}
	return out;
}

/** A window [top, left, top + height, left + width) of an HWC map, copied. */
export function cropWindow(
	source: Float32Array,
	width: number,
	channels: number,
	window: {
		readonly top: number;
		readonly left: number;
		readonly height: number;
		readonly width: number;
	},
): Float32Array {
	const out = new Float32Array(window.height * window.width * channels);
	const rowLength = window.width * channels;
	for (let y = 0; y < window.height; y++) {
		const from = ((window.top + y) * width + window.left) * channels;
		out.set(source.subarray(from, from + rowLength), y * rowLength);
	}
	return out;
}

/** For each output index: the two source indices and the weight of the second (torch's area_pixel_compute_source_index). */
function taps(size: number, outSize: number) {
	const low = new Int32Array(outSize);
	const high = new Int32Array(outSize);
	const weight = new Float32Array(outSize);
	const scale = size / outSize;
	for (let i = 0; i < outSize; i++) {
		const src = Math.max(0, (i + 0.5) * scale - 0.5);
		const i0 = Math.min(Math.floor(src), size - 1);
		low[i] = i0;
		high[i] = Math.min(i0 + 1, size - 1);
		weight[i] = src - i0;
	}
	return { low, high, weight };
}
