/** What `native install` builds: the tfjs-node package and the TensorFlow wheel whose libtensorflow it links. */
export interface NativeVariant {
	readonly kind: 'cpu' | 'gpu';
	/** The npm package built (its binding is compiled here, its install script never runs). */
	readonly npmPackage: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';
	/** tfjs-node's version: the one matching our @tensorflow/tfjs-core. */
	readonly npmVersion: string;
	/** The pip requirement downloaded by default. */
	readonly pipRequirement: string;
	/** Wheel distribution names (normalised, `_`) that carry this build's libtensorflow. */
	readonly wheelNames: readonly string[];
	/** TensorFlow version the wheel must have: the C API tfjs-node 4.22 uses is stable across 2.x. */
	readonly tfVersion: string;
}

export const TF_VERSION = '2.21.0';
export const TFJS_NODE_VERSION = '4.22.0';

export const CPU_VARIANT: NativeVariant = {
	kind: 'cpu',
	npmPackage: '@tensorflow/tfjs-node',
	npmVersion: TFJS_NODE_VERSION,
	pipRequirement: `tensorflow-cpu==${TF_VERSION}`,
	// The plain `tensorflow` wheel links CUDA lazily and runs on CPU too.
	wheelNames: ['tensorflow_cpu', 'tensorflow'],
	tfVersion: TF_VERSION,
};

export const GPU_VARIANT: NativeVariant = {
	kind: 'gpu',
	npmPackage: '@tensorflow/tfjs-node-gpu',
	npmVersion: TFJS_NODE_VERSION,
	// The `and-cuda` extra pulls the nvidia-*-cu12 wheels whose libraries TensorFlow dlopens.
	pipRequirement: `tensorflow[and-cuda]==${TF_VERSION}`,
	wheelNames: ['tensorflow'],
	tfVersion: TF_VERSION,
};

export function variantFor(gpu: boolean): NativeVariant {
	return gpu ? GPU_VARIANT : CPU_VARIANT;
}
