import type { OptionTable } from './option';

/** The export command's options (`resnet18 export-onnx`). */
export const EXPORT_OPTIONS = {
	out: {
		type: 'string',
		default: undefined,
		description: 'where to write the .onnx file',
		cli: { flag: '--out <file>', required: true },
	},
} as const satisfies OptionTable;
