/** The library's public surface: everything the CLI and the n8n nodes use, and nothing that imports n8n. */
export { BACKEND_CHOICES, activeBackend, parseBackendChoice, useBackend } from './compute/backend';
export type { BackendChoice, BackendKind, BackendReport } from './compute/backend';
export * from './errors';
export {
	DEFAULT_EXTENSIONS,
	TINY_IMAGE_SIDE,
	inspectImage,
	scanImageFolder,
	verifyImage,
} from './data/dataset';
export type { ImageCheck, Problem, ProblemKind } from './data/dataset';
export { DEFAULT_PIXEL_LIMIT } from './data/image';
export { recommendFor } from './model-card/recommend';
export type { Recommendation } from './model-card/recommend';
export type { AugmentationPreset } from './data/augment';
export {
	MANIFEST_KIND,
	MIN_IMAGES_PER_CLASS,
	buildManifest,
	labelsForModel,
	manifestFromFolder,
	parseManifest,
} from './data/manifest';
export { manifestToTrainingData, trainingDataFromFolder } from './data/training-data';
export { checkEvaluationSplit, datasetSnapshot, validationSplitId } from './data/snapshot';
export type { DatasetSnapshot, SplitCheck } from './data/snapshot';
export type { TrainingData } from './data/training-data';
export type { LabelledImage } from './data/labelled-image';
export type {
	DatasetManifest,
	DatasetReport,
	FolderManifestOptions,
	ManifestImage,
} from './data/manifest';
export { storeContent } from './data/content-store';
export type { ImageFolder } from './data/dataset';
export { stratifiedSplit } from './data/split';
export { loadImageTensorData } from './data/image';
export { writeSyntheticDataset } from './data/synthetic';
export { parameterCount, resnet18TensorSpecs } from './model/architecture';
export { ResNet18 } from './model/resnet18';
export {
	deserializeModel,
	loadModel,
	readModelFile,
	saveModel,
	serializeModel,
} from './model-file/model-file';
export type { TrainedModel } from './model-file/model-file';
export type { ModelMetadata } from './model-file/metadata';
export { checkModelName } from './model-store/model-name';
export { FolderModelStore } from './model-store/folder-store';
export { PostgresModelStore, type PostgresStoreConfig } from './model-store/postgres-store';
export {
	closeModelStores,
	openModelStore,
	parseStoreLocation,
	DEFAULT_SCHEMA,
	type ModelStoreConfig,
} from './model-store/open-store';
export { saveAndPublish, type GateOutcome, type OtherPrecision } from './model-store/publish-gate';
export { int8OnnxFromFolder, int8OnnxFromSamples } from './onnx/int8-model';
export { PRECISIONS, isPrecision } from './model-store/model-store';
export type {
	ModelStore,
	Precision,
	PublishMode,
	PublishResult,
	StoredVersion,
	VersionInfo,
} from './model-store/model-store';
export { writeFileAtomic, writeFileExclusive } from './atomic-write';
export { checkOutputFile, checkOutputFolder } from './output-path';
export { readSafetensors, writeSafetensors } from './weights/safetensors';
export { readPth } from './weights/pth';
export { readWeights, readWeightsFile } from './weights/read-weights';
export type { HostTensor, StateDict } from './weights/host-tensor';
export {
	TRAIN_DEFAULTS,
	TRAIN_RANGES,
	TRAINING_OPTIONS,
	checkRange,
	checkTrainOptions,
	resolveTrainOptions,
} from './train/options';
export type { TrainOptions, TrainOptionsInput } from './train/options';
export { checkOption, choice, choiceValues, scaled } from './options/option';
export type {
	BooleanSpec,
	ChoiceSpec,
	NumberSpec,
	OptionSpec,
	OptionTable,
	OptionsInput,
	Resolved,
	StringSpec,
	ValueOf,
} from './options/option';
export {
	checkGiven,
	defaultsOf,
	pickOptions,
	resolveOptions,
	withDefaults,
} from './options/resolve';
export { TRAIN_OPTIONS } from './options/train';
export { EVALUATE_OPTIONS } from './options/evaluate';
export { CLASSIFY_OPTIONS } from './options/classify';
export { DATASET_OPTIONS, pixelLimitOf } from './options/dataset';
export { EXPORT_OPTIONS } from './options/export';
export { train } from './train/train';
export { trainOffThread } from './train/off-thread/train-off-thread';
export type { OffThreadResult } from './train/off-thread/train-off-thread';
export type { EpochRecord, TrainResult, TrainRun, TrainingProgress } from './train/types';
export type { ModelMetrics, TrainingFacts } from './model-file/metadata';
export { evaluate, evaluateSamples } from './eval/evaluate';
export type { Evaluation } from './eval/evaluate';
export { openSecondModel, releaseSecondModel, sideBySide } from './eval/second-model';
export type { PrecisionRow, SecondModel } from './eval/second-model';
export { isOnnxModelBytes, openModelBytes, openModelFile } from './infer/onnx-model';
export { classificationMetrics } from './eval/metrics';
export type { ClassificationMetrics } from './eval/metrics';
export { UNKNOWN_LABEL, classify, decodeForModel, predictDecoded } from './infer/classify';
export { camAtImageSize, camMassInside, gradCams } from './infer/grad-cam';
export type { ClassActivationMap, PixelBox } from './infer/grad-cam';
export { gradCamPng } from './report/grad-cam-picture';
export { mistakeHeatmaps } from './eval/mistake-heatmaps';
export { knnBaseline, type KnnBaseline } from './eval/knn-baseline';
export { ttaSummary, type TtaSummary } from './eval/tta-summary';
export { TTA_VIEWS, averageViews, ttaPlan, ttaViews } from './infer/test-time-augmentation';
export type { TtaPlan, TtaView } from './infer/test-time-augmentation';
export { attachOnnxRuntime, detachOnnxRuntime, onnxRuntime } from './infer/onnx-runtime';
export {
	detachInference,
	inferenceEngine,
	inferenceThreads,
	prepareInference,
} from './infer/engine';
export type { EngineReport, InferenceEngine } from './infer/engine';
export { exportOnnx } from './onnx/export';
export { FINE_TUNE_CHOICES, planFineTune } from './train/fine-tune';
export type { FineTuneChoice, FineTunePlan } from './train/fine-tune';
export type { ClassifyOptions, ImageSource, Prediction } from './infer/classify';
export { trainingCurvesPng, trainingCurvesSvg } from './report/training-curves';
export {
	MAX_CLASSES_SHOWN,
	calibrationSvg,
	confusionMatrixSvg,
	evaluationPictures,
	mistakesPng,
	MISTAKES_SHOWN,
	perClassSvg,
} from './report/evaluation-pictures';
export type { EvaluationPictures } from './report/evaluation-pictures';
export { calibration } from './eval/metrics';
export type { Calibration } from './eval/metrics';
export { downloadFile } from './weights/download';
export { ensurePretrained } from './weights/pretrained';
export type { PretrainedOptions } from './weights/pretrained';
export {
	PRETRAINED_SOURCES,
	PRETRAINED_SOURCE_NAMES,
	WEIGHTS_SOURCE_CHOICES,
	evalPreprocessing,
	isPretrainedSource,
	sourceForCliName,
} from './weights/pretrained-sources';
export type { PretrainedSource, PretrainedSourceSpec } from './weights/pretrained-sources';
