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
