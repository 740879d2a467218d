import type { OutputWindow, PilFilter } from '../pil-resize';

/** One resize for a worker; `data` is transferred, and so is the answer's. */
export interface ResizeRequest {
	readonly id: number;
	readonly data: Uint8Array;
	readonly width: number;
	readonly height: number;
	readonly channels: number;
	readonly outWidth: number;
	readonly outHeight: number;
	readonly filter: PilFilter;
	readonly window?: OutputWindow;
}

export type ResizeReply =
	| { readonly id: number; readonly data: Uint8Array }
	| { readonly id: number; readonly error: string };
