import type {
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
} from 'n8n-workflow';
import {
	checkEvaluationSplit,
	EVALUATE_OPTIONS,
	evaluate,
	type Evaluation,
	type PrecisionRow,
	releaseSecondModel,
	Resnet18Error,
	evaluationPictures,
	inferenceEngine,
	inferenceThreads,
	InvalidParameterError,
	prepareInference,
	knnBaseline,
	type LabelledImage,
	labelsForModel,
	manifestFromFolder,
	MISTAKES_SHOWN,
	mistakeHeatmaps,
	ttaSummary,
	type ManifestImage,
	parseManifest,
	withDefaults,
} from '../../lib';
import { startDevice } from '../shared/device';
import { comparePrecision, openComparedModel } from './compare-precision';
import { engineSummary } from '../shared/engine-name';
import { givenNodeOptions } from '../shared/option-properties';
import { userPath } from '../shared/file-access';
import { withItemModel } from '../shared/model-source';
import { weightsCacheFolder } from '../shared/pretrained-download';

export async function evaluateItem(
	ctx: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const options = withDefaults(
		EVALUATE_OPTIONS,
		givenNodeOptions(ctx, itemIndex, EVALUATE_OPTIONS),
	);
	const { images, references } = await imagesToScore(ctx, itemIndex);
	const backend = await startDevice(ctx.getNodeParameter('device', itemIndex));
	return withItemModel(ctx, itemIndex, async (model, info) => {
		const started = Date.now();
		await prepareInference(model.network, model.metadata, { images: images.length });
		const samples = labelsForModel(images, model.metadata.classes);
		const compareWith = options.compareWith?.trim();
		const second = compareWith
			? await openComparedModel(ctx, itemIndex, compareWith, { model, info })
			: undefined;
		const evaluateOptions = { batchSize: options.batchSize, topK: options.topK };
		let result: Evaluation;
		let precisions: PrecisionRow[] | undefined;
		const engine = () => inferenceEngine(model.network);
		try {
			result = await evaluate(model, samples, {
				...evaluateOptions,
				testTimeAugmentation: options.testTimeAugmentation,
			});
			if (second)
				precisions = await comparePrecision(
					second,
					{ model, info, evaluation: result, engine: engine() },
					samples,
					evaluateOptions,
				);
		} finally {
			if (second) await releaseSecondModel(second);
		}
		const split = await checkEvaluationSplit(images, model.metadata.dataset?.validation);
		// A baseline that cannot be had (too few images, a damaged weights file) is said in its line: the
		// classifier's own evaluation, which the user asked for first, still comes out.
		const baseline = options.knnBaseline
			? await knnBaseline(
					samples,
					references && knownLabels(references, model.metadata.classes),
					model.metadata.classes,
					{ cacheFolder: weightsCacheFolder(), batchSize: options.batchSize },
				).catch((error: unknown) => {
					if (!(error instanceof Resnet18Error)) throw error;
					return { status: 'failed' as const, note: error.message };
				})
			: undefined;
		const heatmaps = await mistakeHeatmaps(model, result.misclassified.slice(0, MISTAKES_SHOWN));
		const m = result.metrics;
		const json: IDataObject = {
			accuracy: m.accuracy,
			topK: m.topK,
			topKAccuracy: m.topKAccuracy,
			count: m.count,
			loss: m.loss,
			macro: { ...m.macro },
			weighted: { ...m.weighted },
			perClass: m.perClass.map((c) => ({ ...c })),
			confusionMatrix: {
				labels: [...model.metadata.classes],
				rowsAreTrueLabels: true,
				matrix: m.confusionMatrix.map((row) => [...row]),
			},
			misclassified: result.misclassified.slice(0, options.maxMisclassified).map((x) => ({ ...x })),
			misclassifiedCount: result.misclassified.length,
			calibration: {
				ece: result.calibration.ece,
				bins: result.calibration.bins.map((b) => ({ ...b })),
			},
			model: {
				source: info.source,
				name: model.metadata.name ?? null,
				version: info.version,
				store: info.store,
				classes: [...model.metadata.classes],
				inputSize: model.metadata.inputSize,
			},
			split: { ...split },
			msPerImage: result.msPerImage,
			...(options.testTimeAugmentation ? { testTimeAugmentation: { ...ttaSummary(result) } } : {}),
			...(baseline ? { knnBaseline: { ...baseline } } : {}),
			...(precisions ? { precisions: precisions.map((row) => ({ ...row })) } : {}),
			engine: engineSummary(engine(), backend.summary, inferenceThreads(model.network)),
			seconds: (Date.now() - started) / 1000,
		};
		// Pictures for n8n's binary viewer: confusion matrix, per-class bars, reliability diagram, worst mistakes.
		const pictures = await evaluationPictures(result, heatmaps);
		const png = (bytes: Buffer, name: string) =>
			ctx.helpers.prepareBinaryData(bytes, `${name}.png`, 'image/png');
		const binary: IBinaryKeyData = {
			confusionMatrix: await png(pictures.confusionMatrix, 'confusion-matrix'),
			perClass: await png(pictures.perClass, 'per-class'),
			calibration: await png(pictures.calibration, 'calibration'),
		};
		if (pictures.mistakes) binary.mistakes = await png(pictures.mistakes, 'mistakes');
		return { json, binary, pairedItem: { item: itemIndex } };
	});
}

/**
 * The images to score, and the references a kNN baseline votes with: the dataset's training images when the
 * validation split is scored (else none: every other scored image is the reference, leave-one-out).
 */
async function imagesToScore(
	ctx: IExecuteFunctions,
	itemIndex: number,
): Promise<{ images: readonly ManifestImage[]; references?: readonly ManifestImage[] }> {
	if (ctx.getNodeParameter('data', itemIndex) === 'folder') {
		const folder = await userPath(
			ctx,
			ctx.getNodeParameter('folder', itemIndex),
			'folder',
			itemIndex,
		);
		const manifest = await manifestFromFolder(folder, { validationSplit: 0 });
		return { images: [...manifest.train, ...manifest.validation] };
	}
	const manifest = parseManifest(ctx.getNodeParameter('dataset', itemIndex), 'dataset');
	const split = ctx.getNodeParameter('split', itemIndex) as string;
	const images =
		split === 'train'
			? manifest.train
			: split === 'all'
				? [...manifest.train, ...manifest.validation]
				: manifest.validation;
	if (images.length === 0) {
		throw new InvalidParameterError(
			'split',
			`the dataset has no ${split === 'validation' ? 'validation' : split} images${split === 'validation' ? ' (its validation split is 0 %); choose "All" or a folder' : ''}`,
		);
	}
	return { images, references: split === 'validation' ? manifest.train : undefined };
}

/** Reference images of classes the model knows (a class it was not trained on cannot be voted for). */
function knownLabels(
	images: readonly ManifestImage[],
	classes: readonly string[],
): LabelledImage[] {
	const known = new Set(classes);
	return labelsForModel(
		images.filter((image) => known.has(image.label)),
		classes,
	);
}
