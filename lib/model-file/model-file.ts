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
	/** Size of the file (or stored bytes) it was read from; none for a model just trained. */
	readonly bytes?: number;
}

/** The precisions a `.safetensors` model file can hold; int8 is an ONNX graph (lib/onnx/int8-model.ts). */
export type SafetensorsPrecision = 'float32' | 'float16';

/**
 * One `.safetensors` file, torchvision names, our metadata in the header. float16 halves the file (every weight
 * rounded to binary16); it loads back as float32 tensors, as PyTorch's `load_state_dict` into a float model does.
 */
export function serializeModel(
	model: TrainedModel,
	precision: SafetensorsPrecision = 'float32',
): Buffer {
	const metadata = {
		...model.metadata,
		precision: precision === 'float32' ? undefined : precision,
	};
	return writeSafetensors(
		model.network.toStateDict(),
		encodeMetadata(metadata),
		precision === 'float16' ? 'F16' : 'F32',
	);
}

export async function saveModel(
	file: string,
	model: TrainedModel,
	precision: SafetensorsPrecision = 'float32',
): Promise<number> {
	const bytes = serializeModel(model, precision);
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
			bytes: bytes.byteLength,
		};
	} catch (error) {
		network.dispose();
		throw error;
	}
}

/** A model file's bytes (any precision), or a FileError naming it. */
export async function readModelFile(file: string): Promise<Buffer> {
	try {
		return await fs.readFile(file);
	} catch (error) {
		throw new FileError(
			file,
			`cannot read the model file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
			{ cause: error },
		);
	}
}

export async function loadModel(file: string): Promise<TrainedModel> {
	return deserializeModel(await readModelFile(file), file);
}
