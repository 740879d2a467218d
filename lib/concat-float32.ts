/** Float32Arrays end to end in one new array (results computed in parts: per batch, per worker). */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
	const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}
