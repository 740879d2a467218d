import * as fs from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-write';
import { FileError } from '../errors';
import { ResNet18 } from '../model/resnet18';
import { readSafetensors, writeSafetensors } from '../weights/safetensors';
import { decodeMetadata, encodeMetadata, type ModelMetadata } from './metadata';

/** A trained classifier: the network and what it needs to be used (class names, preprocessing). */
export interface TrainedModel {
	readonly network: ResNet18;
	readonly metadata: ModelMetadata;
}

/** One `.safetensors` file, torchvision names, our metadata in the header. */
export function serializeModel(model: TrainedModel): Buffer {
	return writeSafetensors(model.network.toStateDict(), encodeMetadata(model.metadata));
}

export async function saveModel(file: string, model: TrainedModel): Promise<number> {
	const bytes = serializeModel(model);
	await writeFileAtomic(file, bytes);
	return bytes.byteLength;
}

export function deserializeModel(bytes: Uint8Array, name = 'model'): TrainedModel {
	const { tensors, metadata } = readSafetensors(bytes, name);
	const network = ResNet18.fromStateDict(tensors, { file: name });
	try {
		return { network, metadata: decodeMetadata(metadata, network.numClasses, name) };
	} catch (error) {
		network.dispose();
		throw error;
	}
}

export async function loadModel(file: string): Promise<TrainedModel> {
	let bytes: Buffer;
	try {
		bytes = await fs.readFile(file);
	} catch (error) {
		throw new FileError(
			file,
			`cannot read the model file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
			{ cause: error },
		);
	}
	return deserializeModel(bytes, file);
}
