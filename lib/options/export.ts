import type { OptionTable } from './option';

/** The export command's options (`resnet18 export-onnx`). */
export const EXPORT_OPTIONS = {
	out: {
		type: 'string',
		default: undefined,
		description: 'where to write the .onnx file',
		cli: { flag: '--out <file>', required: true },
	},
	int8: {
		type: 'boolean',
		default: false,
		description:
			'Write a static int8 graph (per-channel int8 weights, uint8 activations, QDQ) instead of float32: ~4× smaller, ~3× faster in ONNX Runtime on CPU; needs onnxruntime-node and --calibration',
		cli: { flag: '--int8', help: 'quantize to int8 (needs --calibration and onnxruntime-node)' },
	},
	calibration: {
		type: 'string',
		default: undefined,
		description:
			'A class-folder dataset (the training images) whose images set the int8 activation ranges',
		cli: { flag: '--calibration <folder>' },
	},
	calibrationImages: {
		type: 'integer',
		default: 128,
		min: 8,
		max: 10000,
		description: 'How many calibration images to draw from the folder (spread over its classes)',
		cli: { flag: '--calibration-images <n>' },
	},
} as const satisfies OptionTable;
