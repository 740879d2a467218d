import { onnx } from 'onnx-proto';
import { BackendUnavailableError, FileError, ModelMetadataError } from '../errors';
import { decodeMetadata, type ModelMetadata } from '../model-file/metadata';
import { deserializeModel, readModelFile, type TrainedModel } from '../model-file/model-file';
import { ResNet18 } from '../model/resnet18';
import { stateDictFromInt8Onnx } from '../onnx/dequantize';
import { bindOnnxGraph, onnxRuntime } from './onnx-runtime';

/**
 * Whether model bytes are an ONNX graph rather than a safetensors file, whose 8-byte header length is followed by
 * its JSON header: a store's bytes come without a file name to go by.
 */
export function isOnnxModelBytes(bytes: Uint8Array): boolean {
	return !(bytes.length > 8 && bytes[8] === 0x7b);
}

/** Any model file of ours, by its bytes: float32 or float16 safetensors, or an int8 ONNX graph. */
export function openModelBytes(bytes: Uint8Array, file: string): Promise<TrainedModel> {
	return isOnnxModelBytes(bytes)
		? openInt8Model(bytes, file)
		: Promise.resolve(deserializeModel(bytes, file));
}

export async function openModelFile(file: string): Promise<TrainedModel> {
	return openModelBytes(await readModelFile(file), file);
}

/**
 * An int8 model file (`resnet18 export-onnx --int8`, Train's int8 copy, a store's `int8` precision) as a model every
 * caller can use: its metadata from the graph's metadata_props, its network predicting through the file's own graph
 * in ONNX Runtime (lib/infer/onnx-runtime.ts `bindOnnxGraph`). Without onnxruntime-node it is refused, saying so.
 */
export async function openInt8Model(bytes: Uint8Array, file: string): Promise<TrainedModel> {
	const runtime = onnxRuntime();
	if (typeof runtime === 'string')
		throw new BackendUnavailableError(
			'onnxruntime',
			`${file}: an int8 model runs only in ONNX Runtime, and ${runtime}`,
		);
	const proto = decodeOnnx(bytes, file);
	const metadata = onnxMetadata(proto, file);
	if (metadata.precision !== 'int8')
		throw new ModelMetadataError(
			'precision',
			`is ${metadata.precision ?? 'float32'}: of ONNX files only the int8 ones are model files here; use the .safetensors model this was exported from`,
			file,
		);
	const network = ResNet18.fromStateDict(stateDictFromInt8Onnx(proto, file), {
		file,
		trusted: true,
	});
	try {
		await bindOnnxGraph(network, metadata, bytes);
	} catch (error) {
		network.dispose();
		if (error instanceof BackendUnavailableError) throw error;
		throw new FileError(
			file,
			`ONNX Runtime cannot load it (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
			{ cause: error },
		);
	}
	return { network, metadata, file, bytes: bytes.byteLength };
}

function decodeOnnx(bytes: Uint8Array, file: string): onnx.ModelProto {
	try {
		return onnx.ModelProto.decode(bytes);
	} catch (error) {
		throw new FileError(
			file,
			'is neither a safetensors model nor an ONNX graph (it does not parse)',
			{
				cause: error,
			},
		);
	}
}

/** Our metadata from a graph's metadata_props, checked as a safetensors file's is; the class count from the graph. */
function onnxMetadata(model: onnx.ModelProto, file: string): ModelMetadata {
	const raw = Object.fromEntries(
		(model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']),
	);
	if (raw.format === undefined)
		throw new ModelMetadataError(
			'format',
			'is missing: this ONNX file was not written by n8n-nodes-resnet18, so its classes and preprocessing are unknown',
			file,
		);
	const probabilities = model.graph?.output?.find((o) => o.name === 'probabilities');
	const classes = Number(probabilities?.type?.tensorType?.shape?.dim?.[1]?.dimValue ?? NaN);
	if (!Number.isInteger(classes) || classes < 1)
		throw new FileError(file, 'has no "probabilities" output of shape [batch, classes]');
	return decodeMetadata(raw, classes, file);
}
