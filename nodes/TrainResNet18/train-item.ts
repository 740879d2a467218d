import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import {
	checkModelName,
	int8OnnxFromSamples,
	InvalidParameterError,
	onnxRuntime,
	type LabelledImage,
	type OtherPrecision,
	type Precision,
	manifestToTrainingData,
	saveAndPublish as saveToStore,
	serializeModel,
	type ModelStore,
	TRAIN_OPTIONS,
	trainOffThread,
	trainingCurvesPng,
	type OffThreadResult,
	type TrainingProgress,
	parseManifest,
} from '../../lib';
import { startDevice } from '../shared/device';
import { givenNodeOptions } from '../shared/option-properties';
import { pretrainedWeights } from './pretrained-weights';
import { storeFor } from '../shared/model-store';
import { includeModelBinaryDefault } from './properties';

/** Train on one input item's manifest, save a new model version, and decide whether it goes live. */
export async function trainItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
	item: INodeExecutionData,
): Promise<INodeExecutionData> {
	const param = (name: string) => ctx.getNodeParameter(name, itemIndex);
	// Checked once, by the table's rule, before any download or training starts (an expression bypasses the editor's
	// min/max: a run with 500 epochs must not start). Under Auto the editor hides batch size, epochs and learning rate;
	// hidden and left-out options are not given, and train() applies Auto to them once it knows the dataset.
	const { includeModelBinary, minAccuracyToPublish, alsoSave, ...input } = givenNodeOptions(
		ctx,
		itemIndex,
		TRAIN_OPTIONS,
	);
	const minAccuracy = minAccuracyToPublish ?? TRAIN_OPTIONS.minAccuracyToPublish.default;
	const name = checkModelName(param('modelName'), 'modelName');
	const manifest = parseManifest(param('dataset'), 'dataset');
	// Refused now rather than after hours of training: the store this run's version will be saved in.
	const store = await storeFor(ctx, itemIndex);
	await store.checkWritable(name);
	const copies = precisionsToAdd(alsoSave ?? TRAIN_OPTIONS.alsoSave.default);
	// int8 is calibrated through ONNX Runtime: refused before training, not after it.
	const runtime = onnxRuntime();
	if (copies.includes('int8') && typeof runtime === 'string')
		throw new InvalidParameterError('alsoSave', `an int8 copy needs ONNX Runtime, and ${runtime}`);
	const initialWeights = await pretrainedWeights(ctx, itemIndex);
	const backend = await startDevice(param('device'));
	ctx.logger.info(`Train ResNet-18: ${backend.summary}`);

	const signal = ctx.getExecutionCancelSignal();
	const onStop = () =>
		ctx.logger.info(
			`Train ResNet-18: ${name}: stop requested; training stops now, no model is written`,
		);
	signal?.addEventListener('abort', onStop, { once: true });
	const data = manifestToTrainingData(manifest);
	let result: OffThreadResult;
	try {
		// On its own thread where compute would otherwise block n8n's (WebAssembly, JS): the editor, webhooks and the
		// stop button stay responsive while a model trains for hours.
		result = await trainOffThread(data, input, {
			name,
			initialWeights,
			signal,
			onProgress: (progress) => report(ctx, name, progress),
		});
	} finally {
		signal?.removeEventListener('abort', onStop);
	}
	if (result.preset) ctx.logger.info(`Train ResNet-18: ${result.preset.reason}`);
	ctx.logger.info(
		`Train ResNet-18: ${result.fineTune.reason}; ${result.objective.classWeightsReason}`,
	);
	try {
		const out = await saveAndPublish(
			ctx,
			itemIndex,
			item,
			store,
			name,
			result,
			minAccuracy,
			includeModelBinary ?? includeModelBinaryDefault(ctx.getNode().typeVersion),
			await smallerCopies(result, copies, data.train),
		);
		// Passed on so that Evaluate after Train finds the dataset (and its validation split) without wiring.
		out.json.dataset = manifest as unknown as IDataObject;
		return out;
	} finally {
		result.model.network.dispose();
	}
}

async function saveAndPublish(
	ctx: IExecuteFunctions,
	itemIndex: number,
	item: INodeExecutionData,
	store: ModelStore,
	name: string,
	result: OffThreadResult,
	minAccuracy: number,
	includeBinary: boolean,
	others: readonly OtherPrecision[],
): Promise<INodeExecutionData> {
	const bytes = serializeModel(result.model);
	// The gate judges the weights it publishes: the saved epoch's, which Evaluate measures on the file.
	const accuracy = result.savedEpoch.validationAccuracy;
	const outcome = await saveToStore(
		store,
		name,
		bytes,
		accuracy,
		minAccuracy,
		{ classes: result.model.metadata.classes },
		others,
	);
	const saved = outcome.saved;
	ctx.logger.info(
		`Train ResNet-18: saved ${name} v${saved.version} in ${store.description} (${outcome.reason})`,
	);
	const meta = result.model.metadata;
	const json: IDataObject = {
		model: {
			name,
			version: saved.version,
			store: store.description,
			// A file path for a folder store (what File Path takes); a description for Postgres.
			file: saved.location,
			bytes: saved.bytes,
			precisions: [
				{ precision: 'float32', bytes: saved.bytes },
				...others.map((o) => ({ precision: o.precision, bytes: o.bytes.byteLength })),
			],
			published: outcome.published,
			publishReason: outcome.reason,
			previousLiveVersion: outcome.previousLive,
			liveVersion: outcome.live,
		},
		classes: [...meta.classes],
		// Issue 15's dataset snapshot: the same images, labels, split and augmentation give the same id.
		datasetSnapshot: meta.dataset?.snapshot ?? null,
		validationSplit: meta.dataset?.validation ?? null,
		history: result.history.map((r) => ({ ...r })),
		// The figures of the epoch whose weights were saved (the kept best one with Keep Best); the last epoch's apart.
		savedEpoch: result.savedEpoch.epoch,
		validationAccuracy: accuracy ?? null,
		validationLoss: result.savedEpoch.validationLoss ?? null,
		lastEpoch: { ...result.lastEpoch },
		trainImages: meta.training?.trainImages ?? 0,
		validationImages: meta.training?.validationImages ?? 0,
		options: { ...(meta.training as IDataObject) },
		backend: { kind: result.backend.kind, summary: result.backend.summary },
		pretrained: meta.training?.pretrained === true,
		classifierReplaced: result.classifierReplaced,
		fineTune: {
			depth: result.fineTune.depth,
			reason: result.fineTune.reason,
			featureEngine: result.fineTune.featureEngine ?? null,
		},
		// Set when a batch was split to fit the WebAssembly heap (gradients accumulated into one step per batch).
		microBatch: result.microBatch ?? null,
		threads: result.threads,
		trainedOn: result.trainedOn,
		// The saved model holds this epoch's weights when a later epoch validated worse.
		restoredEpoch: result.restoredEpoch ?? null,
		stoppedEarly: result.stoppedEarly ? { ...result.stoppedEarly } : null,
		// What Auto chose and why, when Hyper-Parameters is Auto.
		preset: result.preset
			? {
					datasetSize: result.preset.datasetSize,
					chosen: { ...result.preset.chosen },
					kept: [...result.preset.kept],
					reason: result.preset.reason,
				}
			: null,
		objective: {
			labelSmoothing: result.objective.labelSmoothing,
			classWeights: result.objective.classWeights ? { ...result.objective.classWeights } : null,
			reason: result.objective.classWeightsReason,
		},
		seconds: result.seconds,
	};
	const out: INodeExecutionData = { json, pairedItem: { item: itemIndex } };
	// Loss and accuracy curves as a picture n8n's binary viewer shows; the saved epoch marked.
	const curves = await trainingCurvesPng(
		result.history,
		result.savedEpoch.epoch,
		`${name} v${saved.version} — ${result.history.length} epoch${result.history.length === 1 ? '' : 's'}, saved epoch ${result.savedEpoch.epoch}`,
	);
	out.binary = {
		...(item.binary ?? {}),
		curves: await ctx.helpers.prepareBinaryData(
			curves,
			`${name}-v${saved.version}-curves.png`,
			'image/png',
		),
	};
	if (includeBinary) {
		out.binary = {
			...out.binary,
			model: await ctx.helpers.prepareBinaryData(
				Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
				`${name}-v${String(saved.version).padStart(4, '0')}.safetensors`,
				'application/octet-stream',
			),
		};
	}
	return out;
}

function precisionsToAdd(choice: string): Precision[] {
	if (choice === 'float16-int8') return ['float16', 'int8'];
	return choice === 'float16' || choice === 'int8' ? [choice] : [];
}

/** The Also Save copies; int8's activation ranges come from 128 of the training images (no augmentation). */
async function smallerCopies(
	result: OffThreadResult,
	precisions: readonly Precision[],
	trainImages: readonly LabelledImage[],
): Promise<OtherPrecision[]> {
	const copies: OtherPrecision[] = [];
	for (const precision of precisions)
		copies.push({
			precision,
			bytes:
				precision === 'float16'
					? serializeModel(result.model, 'float16')
					: await int8OnnxFromSamples(result.model, trainImages, { images: 128 }),
		});
	return copies;
}

function report(ctx: IExecuteFunctions, name: string, progress: TrainingProgress): void {
	if (progress.kind === 'features' && progress.batch === progress.batches) {
		ctx.logger.info(`${name}: features computed (${progress.view})`);
		return;
	}
	if (progress.kind !== 'epoch') return;
	const r = progress.record;
	const validation =
		r.validationAccuracy === undefined
			? ''
			: `, validation loss ${r.validationLoss!.toFixed(4)} accuracy ${(r.validationAccuracy * 100).toFixed(1)} %`;
	const line = `${name}: epoch ${r.epoch}/${progress.epochs}: train loss ${r.trainLoss.toFixed(4)} accuracy ${(r.trainAccuracy * 100).toFixed(1)} %${validation} (${r.seconds.toFixed(1)} s)`;
	ctx.logger.info(line);
	// Shown in the browser console of the editor while a manual run trains.
	if (ctx.getMode() === 'manual') ctx.sendMessageToUI(line);
}
