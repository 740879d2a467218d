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
	/** The file (or name) it was read from, named when it misbehaves at inference; none for a model just trained. */
	readonly file?: string;
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
	// The metadata is checked before the network is built, so a bad field costs no tfjs memory; without a usable
	// fc.weight, fromStateDict names what is wrong with it.
	const fc = tensors.get('fc.weight');
	const early = fc?.shape.length === 2 ? decodeMetadata(metadata, fc.shape[0], name) : undefined;
	const network = ResNet18.fromStateDict(tensors, { file: name });
	try {
		return {
			network,
			metadata: early ?? decodeMetadata(metadata, network.numClasses, name),
			file: name,
		};
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
