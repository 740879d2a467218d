import type { ResizeJob } from '../pil-resize';

/** One resize for a worker; its pixels are a copy, transferred, and so are the answer's. */
export interface ResizeRequest extends ResizeJob {
	readonly id: number;
}

export type ResizeReply =
	| { readonly id: number; readonly data: Uint8Array }
	| { readonly id: number; readonly error: string };
