import type { BackendChoice } from '../../compute/backend';
import type { StateDict } from '../../weights/host-tensor';
import type { Reply } from '../../compute/worker-reply';

/** What an inference worker gets when it starts: the backend to run and the weights to run. */
export interface InferenceWorkerSetup {
	readonly backend: BackendChoice;
	readonly state: StateDict;
}

/** What a forward pass returns: class probabilities, the 512-d features, or layer3's NHWC activations. */
export type InferenceOutput = 'probabilities' | 'features' | 'layer3';

export interface InferenceRequest {
	/** NHWC pixels of this worker's share of the batch. */
	readonly images: Float32Array;
	readonly size: number;
	readonly output: InferenceOutput;
}

export type InferenceReply = Reply<{ readonly data: Float32Array }>;
