/**
 * Pillow's resize of 8-bit images (Image.resize(size, BILINEAR or BICUBIC), which torchvision's Resize calls on PIL
 * images), computed as Pillow computes it so that a model trained in PyTorch sees the same pixels here: a separable
 * two-pass filter whose support widens with the downscale factor (Pillow's antialiasing), coefficients rounded to
 * 22-bit fixed point, the horizontal pass first, each pass rounded back to 8 bits. sharp/libvips resizes with other
 * kernels and shrink-on-load, which differ from torchvision by several levels (60 at edges).
 */

/** Pillow's PRECISION_BITS for 8-bit images: 32 − 8 − 2. */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

interface Coefficients {
	/** Per output pixel: first input pixel, then how many. */
	readonly bounds: Int32Array;
	/** Per output pixel, `ksize` fixed-point weights. */
	readonly weights: Int32Array;
	readonly ksize: number;
}

/** Pillow's filters: the kernel and its support at scale 1. */
export const PIL_FILTERS = {
	bilinear: {
		support: 1,
		kernel: (x: number): number => {
			const a = Math.abs(x);
			return a < 1 ? 1 - a : 0;
		},
	},
	// Keys' cubic with a = −0.5, as Pillow's bicubic_filter (timm's bicubic evaluation resize on PIL images).
	bicubic: {
		support: 2,
		kernel: (x: number): number => {
			const a = -0.5;
			const t = Math.abs(x);
			if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
			if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
			return 0;
		},
	},
} as const;
export type PilFilter = keyof typeof PIL_FILTERS;

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the span [in0, in1) of `inSize` mapped to `outSize`. */
function coefficients(
	inSize: number,
	in0: number,
	in1: number,
	outSize: number,
	filter: PilFilter,
): Coefficients {
	const { support: base, kernel } = PIL_FILTERS[filter];
	const scale = (in1 - in0) / outSize;
	const filterScale = scale < 1 ? 1 : scale;
	const support = base * filterScale; // widened by the downscale factor: Pillow's antialiasing
	const ksize = Math.ceil(support) * 2 + 1;
	const bounds = new Int32Array(outSize * 2);
	const weights = new Int32Array(outSize * ksize);
	const k = new Float64Array(ksize);
	const ss = 1 / filterScale;
	for (let xx = 0; xx < outSize; xx++) {
		const center = in0 + (xx + 0.5) * scale;
		// C's (int) casts truncate toward zero.
		const xmin = Math.max(0, Math.trunc(center - support + 0.5));
		const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
		let ww = 0;
		for (let x = 0; x < xmax; x++) {
			const w = kernel((x + xmin - center + 0.5) * ss);
			k[x] = w;
			ww += w;
		}
		for (let x = 0; x < xmax; x++) {
			const w = ww !== 0 ? k[x] / ww : k[x];
			weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
		}
		bounds[xx * 2] = xmin;
		bounds[xx * 2 + 1] = xmax;
	}
	return { bounds, weights, ksize };
}

function clip8(v: number): number {
	if (v >= ONE * 256) return 255;
	if (v <= 0) return 0;
	return v >> PRECISION_BITS;
}

/** The part of the resized image to compute, in its coordinates: a centre crop needs no other pixel. */
export interface OutputWindow {
	readonly left: number;
	readonly top: number;
	readonly width: number;
	readonly height: number;
}

/** One resize: interleaved 8-bit pixels (`channels` per pixel), width×height to outWidth×outHeight. */
export interface ResizeJob {
	readonly data: Uint8Array;
	readonly width: number;
	readonly height: number;
	readonly channels: number;
	readonly outWidth: number;
	readonly outHeight: number;
	readonly filter: PilFilter;
	/** Only this part of the result (default: all of it). */
	readonly window?: OutputWindow;
}

/**
 * Resize as Pillow's ImagingResample does with no box or reducing gap (Image.resize's defaults). With a window, only
 * that part of the result is computed and returned: each output pixel depends on its own coefficients only, so the
 * bytes are those of the full resize, cropped (a centre crop of 224 from 341×256 skips a third of the work).
 */
export function pilResize(job: ResizeJob): Uint8Array {
	const { data, width, height, channels, outWidth, outHeight, filter } = job;
	const window = job.window ?? { left: 0, top: 0, width: outWidth, height: outHeight };
	if (data.length !== width * height * channels)
		throw new Error(`internal: ${data.length} bytes are not ${width}×${height}×${channels}`);
	const { left, top } = window;
	if (
		left < 0 ||
		top < 0 ||
		window.width < 1 ||
		window.height < 1 ||
		left + window.width > outWidth ||
		top + window.height > outHeight
	)
		throw new Error(`internal: window outside the ${outWidth}×${outHeight} result`);
	const horizontal = outWidth !== width;
	const vertical = outHeight !== height;
	const whole = window.width === outWidth && window.height === outHeight;
	if (!horizontal && !vertical && whole) return data;
	if (!vertical) {
		// Output rows are input rows: the window's rows, resized across (or copied).
		return horizontal
			? resampleRows(
					data,
					width,
					channels,
					top,
					window.height,
					outWidth,
					filter,
					left,
					window.width,
				)
			: cropRows(data, width, channels, window);
	}
	const vert = coefficients(height, 0, height, outHeight, filter);
	// The horizontal pass runs on the rows the vertical pass reads, as in Pillow: here those of the window's rows.
	const firstRow = vert.bounds[top * 2];
	const last = top + window.height - 1;
	const lastRow = vert.bounds[last * 2] + vert.bounds[last * 2 + 1];
	if (horizontal) {
		const rows = resampleRows(
			data,
			width,
			channels,
			firstRow,
			lastRow - firstRow,
			outWidth,
			filter,
			left,
			window.width,
		);
		return resampleColumns(rows, window.width, channels, vert, top, window.height, firstRow, 0);
	}
	return resampleColumns(data, width, channels, vert, top, window.height, 0, left, window.width);
}

function cropRows(data: Uint8Array, width: number, channels: number, w: OutputWindow): Uint8Array {
	const out = new Uint8Array(w.width * w.height * channels);
	for (let y = 0; y < w.height; y++) {
		const from = ((w.top + y) * width + w.left) * channels;
		out.set(data.subarray(from, from + w.width * channels), y * w.width * channels);
	}
	return out;
}

/** Rows [firstRow, firstRow + rows) resized across; output columns [fromColumn, fromColumn + columns) only. */
function resampleRows(
	data: Uint8Array,
	width: number,
	channels: number,
	firstRow: number,
	rows: number,
	outWidth: number,
	filter: PilFilter,
	fromColumn = 0,
	columns = outWidth,
): Uint8Array {
	const { bounds, weights, ksize } = coefficients(width, 0, width, outWidth, filter);
	const out = new Uint8Array(rows * columns * channels);
	// Sums stay int32 (|Σ| < 1.4·255·2^22 < 2^31, as Pillow's INT32 accumulators), so `| 0` keeps V8 on integers.
	for (let y = 0; y < rows; y++) {
		const rowStart = (firstRow + y) * width * channels;
		const outRow = y * columns * channels;
		for (let j = 0; j < columns; j++) {
			const xx = fromColumn + j;
			const taps = bounds[xx * 2 + 1];
			const kBase = xx * ksize;
			let p = rowStart + bounds[xx * 2] * channels;
			const o = outRow + j * channels;
			if (channels === 3) {
				let s0 = HALF;
				let s1 = HALF;
				let s2 = HALF;
				for (let x = 0; x < taps; x++, p += 3) {
					const w = weights[kBase + x];
					s0 = (s0 + data[p] * w) | 0;
					s1 = (s1 + data[p + 1] * w) | 0;
					s2 = (s2 + data[p + 2] * w) | 0;
				}
				out[o] = clip8(s0);
				out[o + 1] = clip8(s1);
				out[o + 2] = clip8(s2);
			} else {
				for (let c = 0; c < channels; c++) {
					let ss = HALF;
					for (let x = 0, q = p + c; x < taps; x++, q += channels)
						ss = (ss + data[q] * weights[kBase + x]) | 0;
					out[o + c] = clip8(ss);
				}
			}
		}
	}
	return out;
}

/**
 * Output rows [fromRow, fromRow + rows) resized down the columns of `data`, whose first row is input row
 * `rowOffset`; columns [fromColumn, fromColumn + columns) of it only.
 */
function resampleColumns(
	data: Uint8Array,
	width: number,
	channels: number,
	vert: Coefficients,
	fromRow: number,
	rows: number,
	rowOffset: number,
	fromColumn: number,
	columns = width - fromColumn,
): Uint8Array {
	const { bounds, weights, ksize } = vert;
	const stride = width * channels;
	const span = columns * channels;
	const first = fromColumn * channels;
	const out = new Uint8Array(rows * span);
	const sums = new Int32Array(span);
	for (let r = 0; r < rows; r++) {
		const yy = fromRow + r;
		const ymin = bounds[yy * 2] - rowOffset;
		const taps = bounds[yy * 2 + 1];
		const kBase = yy * ksize;
		sums.fill(HALF);
		// Row by row over the taps: the same integer sums as Pillow's per-pixel loop, read in memory order.
		for (let y = 0; y < taps; y++) {
			const w = weights[kBase + y];
			const row = (ymin + y) * stride + first;
			for (let i = 0; i < span; i++) sums[i] = (sums[i] + data[row + i] * w) | 0;
		}
		const outRow = r * span;
		for (let i = 0; i < span; i++) out[outRow + i] = clip8(sums[i]);
	}
	return out;
}
