import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { FileError, WeightsError } from '../errors';
import type { StateDict } from './host-tensor';
import { readPth } from './pth';
import { readSafetensors } from './safetensors';

/**
 * Read a state dict from a `.safetensors` file or a PyTorch `.pth`/`.pt` zip (restricted unpickler: tensors and
 * containers only). The format is recognised from the content, so a misnamed file still loads.
 */
export async function readWeightsFile(file: string): Promise<StateDict> {
	let bytes: Buffer;
	try {
		bytes = await fs.readFile(file);
	} catch (error) {
		throw new FileError(
			file,
			`cannot read the weights file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
			{ cause: error },
		);
	}
	return readWeights(bytes, file);
}

export function readWeights(bytes: Uint8Array, name: string): StateDict {
	// torch.save writes a zip (PK\x03\x04); anything else we accept is safetensors.
	if (
		bytes.length >= 4 &&
		bytes[0] === 0x50 &&
		bytes[1] === 0x4b &&
		bytes[2] === 0x03 &&
		bytes[3] === 0x04
	) {
		return readPth(bytes, name);
	}
	if (
		['.pth', '.pt', '.bin'].includes(path.extname(name).toLowerCase()) &&
		bytes.length >= 2 &&
		bytes[0] === 0x80
	) {
		throw new WeightsError(
			'is a legacy (pre-1.6) PyTorch pickle; re-save it with torch.save in a current PyTorch, or export safetensors',
			name,
		);
	}
	return readSafetensors(bytes, name).tensors;
}
