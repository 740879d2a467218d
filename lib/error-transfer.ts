import {
	BackendUnavailableError,
	FileError,
	InvalidParameterError,
	ModelMetadataError,
	Resnet18Error,
	TrainingAbortedError,
	TrainingDivergedError,
	WeightsError,
} from './errors';

/**
 * An error as it crosses from a worker thread: structured cloning keeps only `message` of an Error, so the typed
 * error's class and the file or parameter it names would be lost on the way.
 */
export interface TransferredError {
	readonly name: string;
	readonly message: string;
	readonly stack?: string;
	readonly fields: Readonly<Record<string, string | number | undefined>>;
}

const TYPED = {
	Resnet18Error,
	InvalidParameterError,
	FileError,
	WeightsError,
	ModelMetadataError,
	BackendUnavailableError,
	TrainingAbortedError,
	TrainingDivergedError,
} as const;
const FIELDS = [
	'parameter',
	'file',
	'tensor',
	'field',
	'backend',
	// TrainingDivergedError's.
	'epoch',
	'batch',
	'loss',
	'bestEpoch',
	'bestValidationAccuracy',
	'phase',
] as const;

export function transferError(error: unknown): TransferredError {
	if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
	const source = error as Error & Partial<Record<(typeof FIELDS)[number], unknown>>;
	const fields: Record<string, string | number | undefined> = {};
	for (const key of FIELDS) {
		const value = source[key];
		if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
	}
	return { name: error.name, message: error.message, stack: error.stack, fields };
}

/** The same class, message and fields on this side (a plain Error for classes that are not ours). */
export function reviveError(transferred: TransferredError): Error {
	const error = new Error(transferred.message);
	const typed = TYPED[transferred.name as keyof typeof TYPED];
	if (typed) Object.setPrototypeOf(error, typed.prototype);
	error.name = transferred.name;
	if (transferred.stack) error.stack = transferred.stack;
	Object.assign(error, transferred.fields);
	return error;
}
