/**
 * Typed errors of the library. Each carries the file or parameter at fault so that the CLI and the n8n nodes can
 * tell the user exactly what to fix without parsing messages.
 */
export class Resnet18Error extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = new.target.name;
	}
}

/** A user-supplied option is out of range or of the wrong type. */
export class InvalidParameterError extends Resnet18Error {
	constructor(
		readonly parameter: string,
		message: string,
	) {
		super(`Invalid parameter "${parameter}": ${message}`);
	}
}

/** A file or folder cannot be read, decoded or written. */
export class FileError extends Resnet18Error {
	constructor(
		readonly file: string,
		message: string,
		options?: { cause?: unknown },
	) {
		super(`${file}: ${message}`, options);
	}
}

/** A weight file is malformed, or its tensors do not match the ResNet-18 layout. */
export class WeightsError extends Resnet18Error {
	constructor(
		message: string,
		readonly file?: string,
		readonly tensor?: string,
		options?: { cause?: unknown },
	) {
		super(file ? `${file}: ${message}` : message, options);
	}
}

/**
 * A model file's metadata (the safetensors `__metadata__` this package writes) holds a value no model of ours can
 * have; `field` names it (`inputSize`, `normalization.std`, `classes`).
 */
export class ModelMetadataError extends WeightsError {
	constructor(
		readonly field: string,
		message: string,
		file?: string,
		options?: { cause?: unknown },
	) {
		super(`metadata field "${field}" ${message}`, file, undefined, options);
	}
}

/** A compute backend was asked for but cannot run here. */
export class BackendUnavailableError extends Resnet18Error {
	constructor(
		readonly backend: string,
		message: string,
		options?: { cause?: unknown },
	) {
		super(message, options);
	}
}

/** Training was stopped through its AbortSignal. */
export class TrainingAbortedError extends Resnet18Error {}

/** The best epoch validated before a run went wrong. */
export interface EarlierEpoch {
	readonly epoch: number;
	readonly validationAccuracy: number;
}

/**
 * A training step's loss, or an epoch's validation loss, was not a finite number (the weights have blown up): the
 * run stops there and nothing is saved, since every later step would only learn from NaN. `phase` says which loss;
 * a validation loss has no batch (0).
 */
export class TrainingDivergedError extends Resnet18Error {
	readonly bestEpoch?: number;
	readonly bestValidationAccuracy?: number;
	constructor(
		readonly epoch: number,
		readonly batch: number,
		readonly loss: number,
		best?: EarlierEpoch,
		readonly phase: 'training' | 'validation' = 'training',
	) {
		super(
			(phase === 'validation'
				? `Training diverged: the validation loss of epoch ${epoch} is ${loss}; no model was written. `
				: `Training diverged: the loss of epoch ${epoch}, batch ${batch} is ${loss}; no model was written. `) +
				(best
					? `The best earlier epoch was ${best.epoch} (validation accuracy ${best.validationAccuracy.toFixed(3)}); `
					: 'No epoch had validated yet; ') +
				'lower the learning rate, turn on gradient clipping, or check the starting weights',
		);
		this.bestEpoch = best?.epoch;
		this.bestValidationAccuracy = best?.validationAccuracy;
	}
}

/** `resnet18 native install` cannot go on; `fix` says what the user does about it (also part of the message). */
export class NativeInstallError extends Resnet18Error {
	constructor(
		/** The step that failed: platform, toolchain, wheel, stage, build, place, verify. */
		readonly step: string,
		message: string,
		readonly fix: string,
		options?: { cause?: unknown },
	) {
		super(`native install (${step}): ${message}. Fix: ${fix}`, options);
	}
}

/** A model store (a folder or a Postgres database) cannot do what was asked; `store` says which one, `model` the model. */
export class ModelStoreError extends Resnet18Error {
	constructor(
		readonly store: string,
		message: string,
		readonly model?: string,
		options?: { cause?: unknown },
	) {
		super(`model store ${store}: ${message}`, options);
	}
}
