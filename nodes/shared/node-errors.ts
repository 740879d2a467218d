import type { INode, JsonObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	FileError,
	InvalidParameterError,
	ModelMetadataError,
	Resnet18Error,
	WeightsError,
} from '../../lib';

/**
 * A library error as n8n shows it: the message names the file or parameter at fault, the description says what to
 * do about it, and the item index lets n8n point at the item.
 */
export function toNodeError(node: INode, error: unknown, itemIndex: number): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const description = describe(error);
	if (!(error instanceof Error))
		return new NodeOperationError(node, String(error), { itemIndex, description });
	const nodeError = new NodeOperationError(node, error, { itemIndex, description });
	if (error instanceof Resnet18Error) keepOwnMessage(nodeError, error.message);
	return nodeError;
}

/**
 * n8n replaces a message that mentions a network or file error code (ECONNREFUSED, ENOTFOUND, ENOENT, …) with its
 * generic text ("The service refused the connection - perhaps it is offline"). Our messages already say what
 * failed, where, and what to do about it (download the file elsewhere and place it at …), so they stay.
 */
function keepOwnMessage(nodeError: NodeOperationError, message: string): void {
	nodeError.message = message;
	nodeError.messages = nodeError.messages.filter((m) => m !== message);
}

function describe(error: unknown): string | undefined {
	if (error instanceof InvalidParameterError)
		return `Check the "${error.parameter}" setting (an expression can bypass the editor's limits).`;
	if (error instanceof WeightsError)
		return 'The file is not a ResNet-18 model or weights file this package can read.';
	if (error instanceof FileError) return `File: ${error.file}`;
	return undefined;
}

/** The JSON an item gets under Continue On Fail: the message, and the file or parameter when the error names one. */
export function errorJson(error: NodeOperationError): JsonObject {
	const cause = error.cause;
	const json: JsonObject = { error: error.message };
	if (cause instanceof FileError) json.file = cause.file;
	// A weights or model-file reader's error names the file too (and the tensor or metadata field when it knows).
	if (cause instanceof WeightsError) {
		if (cause.file !== undefined) json.file = cause.file;
		if (cause.tensor !== undefined) json.tensor = cause.tensor;
		if (cause instanceof ModelMetadataError) json.field = cause.field;
	}
	if (cause instanceof InvalidParameterError) json.parameter = cause.parameter;
	if (error.description) json.description = error.description;
	return json;
}
