import type { BackendChoice } from '../../compute/backend';
import type { StateDict } from '../../weights/host-tensor';

/** What the trainer hands a gradient worker when it starts. */
export interface WorkerSetup {
	readonly backend: BackendChoice;
	readonly state: StateDict;
	/** Flat weights (all float tensors), written by the trainer after each update. */
	readonly weights: SharedArrayBuffer;
	/** This worker's gradients (trainable prefix) and running statistics (the rest), written by the worker. */
	readonly output: SharedArrayBuffer;
}

export interface StepRequest {
	readonly images: Float32Array;
	readonly labels: Int32Array;
	readonly size: number;
	readonly micro: number;
	/** Images in the whole batch: the worker's loss is its share of the batch mean. */
	readonly total: number;
}

export type WorkerReply = { readonly ok: true; readonly loss: number; readonly correct: number } | { readonly ok: false; readonly error: string };
