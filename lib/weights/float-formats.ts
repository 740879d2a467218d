/** Conversions of the compact float formats found in weight files to float32. */

const scratch = new DataView(new ArrayBuffer(4));

export function float16ToFloat32(bits: number): number {
	const sign = bits & 0x8000 ? -1 : 1;
	const exponent = (bits >> 10) & 0x1f;
	const fraction = bits & 0x03ff;
	if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
	if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
	return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** bfloat16 is the top half of a float32. */
export function bfloat16ToFloat32(bits: number): number {
	scratch.setUint32(0, (bits & 0xffff) << 16, true);
	return scratch.getFloat32(0, true);
}

const bits32 = new Float32Array(1);
const word32 = new Uint32Array(bits32.buffer);

/**
 * The IEEE binary16 nearest to a float32, ties to even (as numpy's and torch's `.half()` round): overflow gives
 * ±infinity, values under half the smallest subnormal give ±0, NaN stays NaN.
 */
export function float32ToFloat16(value: number): number {
	bits32[0] = value;
	const x = word32[0];
	const sign = (x >>> 16) & 0x8000;
	const exponent = (x >>> 23) & 0xff;
	const mantissa = x & 0x7fffff;
	if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
	const e = exponent - 127 + 15;
	if (e >= 0x1f) return sign | 0x7c00;
	if (e <= 0) {
		if (e < -10) return sign;
		// A subnormal half: the implicit leading 1 joins the mantissa, shifted by how far below the normal range it is.
		const full = mantissa | 0x800000;
		const shift = 14 - e;
		const rounded = full + (1 << (shift - 1)) - 1 + ((full >>> shift) & 1);
		return sign | (rounded >>> shift);
	}
	// A carry out of the mantissa moves into the exponent by the addition itself (up to infinity).
	const rounded = mantissa + 0xfff + ((mantissa >>> 13) & 1);
	return sign | ((e << 10) + (rounded >>> 13));
}
