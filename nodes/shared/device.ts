import type { INodeProperties } from 'n8n-workflow';
import { parseBackendChoice, useBackend, type BackendReport } from '../../lib';

export const deviceProperty: INodeProperties = {
	displayName: 'Device',
	name: 'device',
	type: 'options',
	options: [
		{
			name: 'Auto',
			value: 'auto',
			description:
				'The fastest that works here: CUDA GPU, then native CPU, then WebAssembly, then JavaScript',
		},
		{
			name: 'GPU (CUDA)',
			value: 'gpu',
			description: 'Needs @tensorflow/tfjs-node-gpu installed beside n8n and an NVIDIA GPU',
		},
		{
			name: 'CPU (Native TensorFlow)',
			value: 'cpu-native',
			description: 'Needs @tensorflow/tfjs-node installed beside n8n',
		},
		{
			name: 'CPU (WebAssembly)',
			value: 'wasm',
			description: 'Always available; the fastest choice without native TensorFlow',
		},
		{ name: 'CPU (JavaScript)', value: 'js', description: 'Slowest; a fallback for debugging' },
	],
	default: 'auto',
	description:
		'Where the network runs. The one used, and why faster ones were skipped, is reported in the output.',
};

export function startDevice(value: unknown): Promise<BackendReport> {
	return useBackend(parseBackendChoice(value, 'device'));
}
