#!/usr/bin/env node
import { Command, Option } from 'commander';
import * as os from 'node:os';
import * as path from 'node:path';
import { BACKEND_CHOICES, useBackend, type BackendChoice } from '../compute/backend';
import { scanImageFolder, type Problem } from '../data/dataset';
import { manifestFromFolder } from '../data/manifest';
import { manifestToTrainingData } from '../data/training-data';
import { checkEvaluationSplit } from '../data/snapshot';
import { InvalidParameterError, Resnet18Error } from '../errors';
import { evaluate } from '../eval/evaluate';
import { knnBaseline } from '../eval/knn-baseline';
import { ttaSummary } from '../eval/tta-summary';
import { classify } from '../infer/classify';
import { imagenetClassifier } from '../infer/imagenet';
import { loadModel, readModelFile, saveModel, type TrainedModel } from '../model-file/model-file';
import { detachInference, inferenceEngine, prepareInference } from '../infer/engine';
import { openSecondModel, releaseSecondModel, sideBySide } from '../eval/second-model';
import { openModelFile } from '../infer/onnx-model';
import { int8OnnxFromFolder } from '../onnx/int8-model';
import { exportOnnx } from '../onnx/export';
import { writeFileAtomic } from '../atomic-write';
import { checkOutputFile } from '../output-path';
import { CLASSIFY_OPTIONS } from '../options/classify';
import { DATASET_OPTIONS, pixelLimitOf } from '../options/dataset';
import { EVALUATE_OPTIONS } from '../options/evaluate';
import { EXPORT_OPTIONS } from '../options/export';
import { withDefaults } from '../options/resolve';
import { TRAINING_OPTIONS } from '../train/options';
import { train } from '../train/train';
import { packageVersion } from '../version';
import { sourceForCliName, WEIGHTS_SOURCE_CHOICES } from '../weights/pretrained-sources';
import { readWeightsFile } from '../weights/read-weights';
import { writeGradCams } from './grad-cam-files';
import { nativeCommand } from './native';
import { modelsCommand } from './models';
import { addOptions, cliOption, givenCliOptions } from './options';

/** `resnet18 <command>`: the library without n8n. JSON results on stdout, progress and errors on stderr. */

function printJson(value: unknown): void {
	process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One stderr line per problem: a file or class still used is a warning, one left out is skipped. */
function printProblems(problems: readonly Problem[]): void {
	for (const problem of problems)
		process.stderr.write(
			`${problem.kept ? 'warning' : 'skipped'} ${problem.file}: ${problem.reason}\n`,
		);
}

const backendOption = () =>
	new Option('--backend <backend>', 'compute backend').choices(BACKEND_CHOICES).default('auto');

async function startBackend(choice: BackendChoice): Promise<void> {
	const report = await useBackend(choice);
	process.stderr.write(`${report.summary}\n`);
}

export function buildProgram(): Command {
	const program = new Command('resnet18')
		.description(
			'Train, evaluate and run ResNet-18 image classifiers (TensorFlow.js; no n8n needed)',
		)
		.version(packageVersion())
		.showHelpAfterError();

	addOptions(
		program
			.command('dataset <dir>')
			.description(
				"scan a folder of class subfolders: counts, split, problems (unreadable files, duplicates, small classes) and the model card's recommended settings",
			),
		DATASET_OPTIONS,
	).action(async (dir: string, _o: unknown, command: Command) => {
		const o = withDefaults(DATASET_OPTIONS, givenCliOptions(command, DATASET_OPTIONS));
		const manifest = await manifestFromFolder(givenPath(dir, 'dir'), {
			validationSplit: o.validationSplit,
			limitInputPixels: pixelLimitOf(o.maxMegapixels),
		});
		printProblems(manifest.problems);
		printJson({
			source: manifest.source,
			classes: manifest.classes,
			counts: manifest.counts,
			validationSource: manifest.validationSource,
			report: manifest.report,
			problems: manifest.problems,
		});
	});

	addOptions(
		program
			.command('train <dir>')
			.description('fine-tune ResNet-18 on a folder of class subfolders')
			.requiredOption('--out <file>', 'where to write the model (.safetensors)'),
		TRAINING_OPTIONS,
	)
		.addOption(cliOption(DATASET_OPTIONS.validationSplit, 'validationSplit'))
		.option(
			'--weights <file|none>',
			'starting weights: a torchvision/timm .safetensors or .pth, or none',
			'none',
		)
		.option('--name <name>', 'model name stored in the file')
		.addOption(backendOption())
		.action(async (dir: string, o: Record<string, unknown>, command: Command) => {
			// Checked once, each flag by the table's rule. Flags left out are not given: under --preset auto they are
			// Auto's to fill; otherwise the table's defaults apply.
			const options = givenCliOptions(command, TRAINING_OPTIONS);
			const { validationSplit } = withDefaults(
				DATASET_OPTIONS,
				givenCliOptions(command, DATASET_OPTIONS),
			);
			// Before the data is read and hours are spent training: a --out that cannot be written is refused now.
			const out = await checkOutputFile(o.out, '--out');
			// The folder before the backend: its warnings print even when it cannot be trained on, and a bad folder fails
			// before TensorFlow takes seconds to start.
			const manifest = await manifestFromFolder(givenPath(dir, 'dir'), {
				validationSplit,
				seed: options.seed ?? TRAINING_OPTIONS.seed.default,
			});
			printProblems(manifest.problems);
			const data = manifestToTrainingData(manifest);
			await startBackend(o.backend as BackendChoice);
			const initialWeights =
				o.weights === 'none' ? undefined : await readWeightsFile(givenPath(o.weights, '--weights'));
			const controller = new AbortController();
			const stop = () => controller.abort();
			process.once('SIGINT', stop);
			try {
				const result = await train(data, options, {
					initialWeights,
					signal: controller.signal,
					name: o.name as string | undefined,
					onProgress: (p) => {
						// A live batch counter only on a terminal; logs get one line per epoch.
						if (p.kind === 'batch') {
							if (process.stderr.isTTY)
								process.stderr.write(
									`\repoch ${p.epoch} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)}`,
								);
						} else if (p.kind === 'features') {
							if (process.stderr.isTTY || p.batch === p.batches)
								process.stderr.write(
									`${process.stderr.isTTY ? '\r' : ''}features (${p.view}) ${p.batch}/${p.batches}${p.batch === p.batches ? '\n' : ''}`,
								);
						} else {
							process.stderr.write(
								`${process.stderr.isTTY ? '\r' : ''}${formatEpoch(p.record, p.epochs)}\n`,
							);
						}
					},
				});
				if (result.preset) process.stderr.write(`${result.preset.reason}\n`);
				const bytes = await saveModel(out, result.model);
				printJson({
					model: o.out,
					bytes,
					classes: result.model.metadata.classes,
					trainImages: data.train.length,
					validationImages: data.validation.length,
					validationSource: manifest.validationSource,
					datasetSnapshot: result.model.metadata.dataset?.snapshot ?? null,
					validationSplit: result.model.metadata.dataset?.validation ?? null,
					backend: result.backend.kind,
					fineTune: result.fineTune,
					preset: result.preset,
					objective: result.objective,
					microBatch: result.microBatch,
					threads: result.threads,
					restoredEpoch: result.restoredEpoch,
					stoppedEarly: result.stoppedEarly,
					// The saved epoch's figures, as in the Train node's output and the file's metrics.
					validationAccuracy: result.savedEpoch.validationAccuracy,
					validationLoss: result.savedEpoch.validationLoss,
					savedEpoch: result.savedEpoch.epoch,
					lastEpoch: result.lastEpoch,
					seconds: result.seconds,
					history: result.history,
				});
				result.model.network.dispose();
			} finally {
				process.off('SIGINT', stop);
			}
		});

	addOptions(
		program
			.command('evaluate <model> <dir>')
			.description("score a model on a folder of class subfolders (named as the model's classes)"),
		EVALUATE_OPTIONS,
	)
		.option(
			'--weights-cache <dir>',
			'with --knn-baseline: folder the ImageNet weight file is kept in',
			defaultWeightsCache(),
		)
		.addOption(backendOption())
		.action(
			async (modelFile: string, dir: string, o: Record<string, unknown>, command: Command) => {
				const options = withDefaults(EVALUATE_OPTIONS, givenCliOptions(command, EVALUATE_OPTIONS));
				givenPath(modelFile, 'model');
				givenPath(dir, 'dir');
				await startBackend(o.backend as BackendChoice);
				const model = await openModelFile(modelFile);
				const folder = await scanImageFolder(dir);
				const samples = [...folder.samples, ...(folder.explicitValidation ?? [])].map((s) => ({
					file: s.file,
					label: labelIn(model.metadata.classes, folder.classes[s.label], dir),
				}));
				await reportEngine(model, samples.length);
				const second =
					options.compareWith === undefined
						? undefined
						: await openSecondModel(
								await readModelFile(options.compareWith),
								options.compareWith,
								model.metadata,
								'--compare',
							);
				const evaluateOptions = { batchSize: options.batchSize, topK: options.topK };
				const result = await evaluate(model, samples, {
					...evaluateOptions,
					testTimeAugmentation: options.testTimeAugmentation,
				});
				const first = {
					evaluation: result,
					metadata: model.metadata,
					file: modelFile,
					bytes: model.bytes ?? 0,
					engine: inferenceEngine(model.network),
				};
				const precisions = second
					? await sideBySide(first, second, samples, evaluateOptions).finally(() =>
							releaseSecondModel(second),
						)
					: undefined;
				printJson({
					model: modelFile,
					...result.metrics,
					msPerImage: result.msPerImage,
					...(options.testTimeAugmentation ? { testTimeAugmentation: ttaSummary(result) } : {}),
					...(options.knnBaseline
						? {
								knnBaseline: await knnBaseline(samples, undefined, model.metadata.classes, {
									cacheFolder: givenPath(o.weightsCache, '--weights-cache'),
								}),
							}
						: {}),
					...(precisions ? { precisions } : {}),
					split: await checkEvaluationSplit(
						samples.map((s) => ({ file: s.file, label: model.metadata.classes[s.label] })),
						model.metadata.dataset?.validation,
					),
					misclassified: result.misclassified,
					problems: folder.problems,
				});
				await detachInference(model.network);
				model.network.dispose();
			},
		);

	addOptions(
		program
			.command('classify <model> [images...]')
			.usage('[options] <model> <images...>  |  classify --imagenet [options] <images...>')
			.description(
				"predict the class of each image; with --imagenet, no model file: ImageNet's 1,000 classes from the published weights (downloaded once, ~45 MB)",
			),
		CLASSIFY_OPTIONS,
	)
		.option(
			'--imagenet',
			"classify with ImageNet's own classifier and class names (no training); every argument is an image",
		)
		.addOption(
			new Option('--weights-source <source>', 'with --imagenet: whose ImageNet weights')
				.choices(WEIGHTS_SOURCE_CHOICES)
				.default('torchvision'),
		)
		.option(
			'--weights-cache <dir>',
			'with --imagenet: folder the weight file is kept in',
			defaultWeightsCache(),
		)
		.option(
			'--weights-base-url <url>',
			'with --imagenet: a mirror or artifact server to download from (<url>/<file name>); token in RESNET18_WEIGHTS_TOKEN',
		)
		.option(
			'--grad-cam-dir <dir>',
			'with --grad-cam: folder the heatmaps are written to (<image name>.gradcam.png)',
			'grad-cam',
		)
		.addOption(backendOption())
		.action(async (first: string, rest: string[], o: Record<string, unknown>, command: Command) => {
			const options = withDefaults(CLASSIFY_OPTIONS, givenCliOptions(command, CLASSIFY_OPTIONS));
			// With --imagenet there is no model file, so the first argument is an image too.
			const modelFile = o.imagenet ? undefined : givenPath(first, 'model');
			const images = o.imagenet ? [first, ...rest] : rest;
			if (images.length === 0)
				throw new InvalidParameterError(
					'images',
					'give at least one image after the model file (or use --imagenet without a model file)',
				);
			await startBackend(o.backend as BackendChoice);
			const model =
				modelFile === undefined ? await imagenetFromCli(o) : await openModelFile(modelFile);
			await reportEngine(model, images.length);
			const predictions = await classify(model, images, {
				topK: options.topK,
				threshold: options.threshold,
				embedding: options.embedding,
				gradCam: options.gradCam,
				testTimeAugmentation: options.testTimeAugmentation,
				batchSize: options.batchSize,
			});
			const heatmaps = options.gradCam
				? await writeGradCams(
						model,
						images,
						predictions,
						givenPath(String(o.gradCamDir), '--grad-cam-dir'),
					)
				: undefined;
			printJson(
				predictions.map(({ gradCam: _map, ...p }, i) => ({
					image: images[i],
					...p,
					...(heatmaps ? { gradCam: heatmaps[i] } : {}),
				})),
			);
			await detachInference(model.network);
			model.network.dispose();
		});

	addOptions(
		program
			.command('export-onnx <model>')
			.description(
				'write the model as ONNX (opset 13, NCHW input "input", outputs "logits", "probabilities", "features") for ONNX Runtime, OpenCV, TensorRT',
			),
		EXPORT_OPTIONS,
	).action(async (modelFile: string, _o: unknown, command: Command) => {
		const o = givenCliOptions(command, EXPORT_OPTIONS);
		const out = await checkOutputFile(o.out, '--out');
		if (o.int8 && !o.calibration)
			throw new InvalidParameterError(
				'--calibration',
				'--int8 needs --calibration <folder>: training images (class folders) that set the activation ranges',
			);
		const model = await loadModel(givenPath(modelFile, 'model'));
		const bytes = o.int8
			? await int8OnnxFromFolder(model, givenPath(o.calibration!, '--calibration'), {
					images: o.calibrationImages ?? EXPORT_OPTIONS.calibrationImages.default,
				})
			: exportOnnx(model.network.toStateDict(), model.metadata);
		await writeFileAtomic(out, bytes);
		printJson({
			model: modelFile,
			onnx: o.out,
			precision: o.int8 ? 'int8' : 'float32',
			bytes: bytes.byteLength,
			input: ['batch', 3, model.metadata.inputSize, model.metadata.inputSize],
			classes: model.metadata.classes,
			normalization: model.metadata.normalization,
		});
		model.network.dispose();
	});

	program
		.command('export-float16 <model>')
		.description(
			'write the model as float16 safetensors: half the bytes, every weight rounded to binary16 (loads as float32 here and in PyTorch)',
		)
		.requiredOption('--out <file>', 'where to write the .safetensors file')
		.action(async (modelFile: string, o: { out: string }) => {
			const out = await checkOutputFile(o.out, '--out');
			const model = await loadModel(givenPath(modelFile, 'model'));
			try {
				const bytes = await saveModel(out, model, 'float16');
				printJson({ model: modelFile, out: o.out, precision: 'float16', bytes });
			} finally {
				model.network.dispose();
			}
		});

	program.addCommand(nativeCommand());
	program.addCommand(modelsCommand());

	return program;
}

/** Where the CLI keeps downloaded ImageNet weights: RESNET18_WEIGHTS_CACHE, else the user's cache folder. */
function defaultWeightsCache(): string {
	return (
		process.env.RESNET18_WEIGHTS_CACHE?.trim() ||
		path.join(
			process.env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache'),
			'resnet18',
			'weights',
		)
	);
}

/** `classify --imagenet`: the published weights from the cache (downloaded on first use), their own 1,000-class classifier. */
async function imagenetFromCli(o: Record<string, unknown>): Promise<TrainedModel> {
	const source = sourceForCliName(o.weightsSource as string);
	if (!source)
		throw new InvalidParameterError(
			'--weights-source',
			`must be one of ${WEIGHTS_SOURCE_CHOICES.join(', ')}, got ${JSON.stringify(o.weightsSource)}`,
		);
	// An empty folder name would put the 45 MB file in the working folder. The cache may be read-only when it
	// already holds the file, so writing is not tried here.
	const cacheFolder = givenPath(o.weightsCache, '--weights-cache');
	let reported = -1;
	const { model, file, downloaded } = await imagenetClassifier(source, {
		cacheFolder,
		baseUrl: (o.weightsBaseUrl as string | undefined)?.trim() || undefined,
		// A token in the environment, not on the command line, where `ps` and shell history would show it.
		token: process.env.RESNET18_WEIGHTS_TOKEN?.trim() || undefined,
		onProgress: ({ received, total }) => {
			if (!total) return;
			const tenth = Math.floor((received / total) * 10);
			if (tenth === reported) return;
			reported = tenth;
			process.stderr.write(
				`Downloading ImageNet weights: ${tenth * 10} % of ${(total / 1e6).toFixed(0)} MB\n`,
			);
		},
	});
	process.stderr.write(
		`ImageNet weights ${downloaded ? 'downloaded to' : 'from the cache:'} ${file}\n`,
	);
	return model;
}

/**
 * ONNX Runtime when installed (faster on CPU), else on native TensorFlow one graph, else TensorFlow.js on every core;
 * said on stderr either way.
 */
async function reportEngine(model: TrainedModel, images: number): Promise<void> {
	const engine = await prepareInference(model.network, model.metadata, { images });
	const threads = engine.threads > 1 ? `, ${engine.threads} threads` : '';
	const names = {
		onnxruntime: 'ONNX Runtime',
		'tensorflow-graph': 'TensorFlow graph',
		tfjs: 'TensorFlow.js',
	};
	process.stderr.write(
		engine.engine === 'onnxruntime'
			? 'Inference engine: ONNX Runtime\n'
			: `Inference engine: ${names[engine.engine]}${threads} (${engine.reason})\n`,
	);
}

/** A path argument as given; an empty one would name the working folder (or, for a model, nothing at all). */
function givenPath(value: unknown, parameter: string): string {
	if (typeof value !== 'string' || value.trim() === '')
		throw new InvalidParameterError(
			parameter,
			`must name a file or folder, got ${JSON.stringify(value)}`,
		);
	return value;
}

function labelIn(classes: readonly string[], name: string, dir: string): number {
	const index = classes.indexOf(name);
	if (index < 0)
		throw new Resnet18Error(
			`${dir}: class folder "${name}" is not one of the model's classes (${classes.join(', ')})`,
		);
	return index;
}

function formatEpoch(
	r: {
		epoch: number;
		trainLoss: number;
		trainAccuracy: number;
		validationLoss?: number;
		validationAccuracy?: number;
		seconds: number;
	},
	epochs: number,
): string {
	const validation =
		r.validationAccuracy !== undefined
			? ` · val loss ${r.validationLoss!.toFixed(4)} acc ${(r.validationAccuracy * 100).toFixed(1)}%`
			: '';
	return `epoch ${r.epoch}/${epochs}: train loss ${r.trainLoss.toFixed(4)} acc ${(r.trainAccuracy * 100).toFixed(1)}%${validation} (${r.seconds.toFixed(1)} s)`;
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
	try {
		await buildProgram()
			.exitOverride()
			.parseAsync([...argv]);
		return 0;
	} catch (error) {
		if (
			error instanceof Error &&
			'exitCode' in error &&
			typeof (error as { exitCode: unknown }).exitCode === 'number'
		) {
			// commander already printed its message (bad arguments, --help, --version).
			return (error as { exitCode: number }).exitCode;
		}
		process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
		return 1;
	}
}

if (require.main === module) {
	void main().then((code) => {
		process.exitCode = code;
	});
}
