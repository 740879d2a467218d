import * as path from 'node:path';

/** Files operating systems and archivers leave behind; never images, never worth a report line. */
const LITTER = new Set(['.ds_store', 'thumbs.db', 'desktop.ini', '__macosx', '.git']);

export function isLitter(name: string): boolean {
	return LITTER.has(name.toLowerCase());
}

/** Whether `inner` is `outer` or lies below it (both real, absolute paths). */
export function isInside(outer: string, inner: string): boolean {
	const relative = path.relative(outer, inner);
	return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** A name with its non-ASCII characters as code points: two spellings of "café" print alike, not like this. */
export function codePoints(name: string): string {
	return [...name]
		.map((ch) =>
			/[\x20-\x7e]/.test(ch) ? ch : `\\u{${ch.codePointAt(0)!.toString(16).padStart(4, '0')}}`,
		)
		.join('');
}
