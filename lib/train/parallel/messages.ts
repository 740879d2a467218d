import type { BackendChoice } from '../../compute/backend';
import type { StateDict } from '../../weights/host-tensor';
import type { Objective } from '../objective';

/** What the trainer hands a gradient worker when it starts. */
export interface WorkerSetup {
	readonly backend: BackendChoice;
	readonly state: StateDict;
	/** Flat weights (all float tensors), written by the trainer after each update. */
	readonly weights: SharedArrayBuffer;
	/** This worker's gradients (trainable prefix) and running statistics (the rest), written by the worker. */
	readonly output: SharedArrayBuffer;
	/** The loss being minimised (label smoothing, class weights). */
	readonly objective: Objective;
}

export interface StepRequest {
	readonly images: Float32Array;
	readonly labels: Int32Array;
	readonly size: number;
	readonly micro: number;
	/** The whole batch's loss normaliser (see objective.ts): the worker's loss is its part of the batch's loss. */
	readonly normaliser: number;
}

export type WorkerReply =
	| { readonly ok: true; readonly loss: number; readonly correct: number }
	| { readonly ok: false; readonly error: string };
