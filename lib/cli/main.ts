#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import * as os from 'node:os';
import * as path from 'node:path';
import { AUGMENTATION_CHOICES } from '../data/augment';
import { FINE_TUNE_CHOICES } from '../train/fine-tune';
import { BACKEND_CHOICES, useBackend, type BackendChoice } from '../compute/backend';
import { scanImageFolder } from '../data/dataset';
import { manifestFromFolder } from '../data/manifest';
import { trainingDataFromFolder } from '../data/training-data';
import { InvalidParameterError, Resnet18Error } from '../errors';
import { evaluate } from '../eval/evaluate';
import { classify } from '../infer/classify';
import { imagenetClassifier } from '../infer/imagenet';
import { loadModel, saveModel, type TrainedModel } from '../model-file/model-file';
import { detachInference, prepareInference } from '../infer/engine';
import { exportOnnx } from '../onnx/export';
import { writeFileAtomic } from '../atomic-write';
import { TRAIN_DEFAULTS } from '../train/options';
import { PRESET_CHOICES } from '../train/auto-preset';
import { CLASS_WEIGHT_CHOICES } from '../train/objective';
import { train } from '../train/train';
import { packageVersion } from '../version';
import { sourceForCliName, WEIGHTS_SOURCE_CHOICES } from '../weights/pretrained-sources';
import { readWeightsFile } from '../weights/read-weights';

/** `resnet18 <command>`: the library without n8n. JSON results on stdout, progress and errors on stderr. */

function number(name: string) {
	return (value: string): number => {
		const parsed = Number(value);
		if (value.trim() === '' || !Number.isFinite(parsed))
			throw new InvalidArgumentError(`${name} must be a number`);
		return parsed;
	};
}

function printJson(value: unknown): void {
	process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
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

	program
		.command('dataset <dir>')
		.description(
			"scan a folder of class subfolders: counts, split, problems (unreadable files, duplicates, small classes) and the model card's recommended settings",
		)
		.option(
			'--val-split <fraction>',
			'validation fraction when there is no val/ folder (0–0.5)',
			number('--val-split'),
			0.2,
		)
		.option(
			'--max-megapixels <n>',
			'refuse larger images without decoding them',
			number('--max-megapixels'),
			100,
		)
		.action(async (dir: string, o: { valSplit: number; maxMegapixels: number }) => {
			const manifest = await manifestFromFolder(dir, {
				validationSplit: o.valSplit,
				limitInputPixels: o.maxMegapixels * 1e6,
			});
			printJson({
				source: manifest.source,
				classes: manifest.classes,
				counts: manifest.counts,
				validationSource: manifest.validationSource,
				report: manifest.report,
				problems: manifest.problems,
			});
		});

	program
		.command('train <dir>')
		.description('fine-tune ResNet-18 on a folder of class subfolders')
		.requiredOption('--out <file>', 'where to write the model (.safetensors)')
		.option(
			'--epochs <n>',
			'passes over the training images (1–50)',
			number('--epochs'),
			TRAIN_DEFAULTS.epochs,
		)
		.option(
			'--batch-size <n>',
			'images per step (1–128; 4–8 on CPU)',
			number('--batch-size'),
			TRAIN_DEFAULTS.batchSize,
		)
		.option('--lr <rate>', 'learning rate (1e-5–1e-3)', number('--lr'), TRAIN_DEFAULTS.learningRate)
		.option(
			'--eval-steps <n>',
			'validate every N epochs',
			number('--eval-steps'),
			TRAIN_DEFAULTS.evalSteps,
		)
		.option(
			'--image-size <px>',
			'network input side',
			number('--image-size'),
			TRAIN_DEFAULTS.imageSize,
		)
		.option(
			'--val-split <fraction>',
			'validation fraction when there is no val/ folder (0–0.5)',
			number('--val-split'),
			0.2,
		)
		.option(
			'--seed <n>',
			'seed for initialisation, split, shuffling and augmentation',
			number('--seed'),
			TRAIN_DEFAULTS.seed,
		)
		.addOption(
			new Option(
				'--augment <preset>',
				'training augmentation (auto: by dataset size, as the model card advises)',
			)
				.choices(AUGMENTATION_CHOICES)
				.default('auto'),
		)
		.option(
			'--weights <file|none>',
			'starting weights: a torchvision/timm .safetensors or .pth, or none',
			'none',
		)
		.option('--name <name>', 'model name stored in the file')
		.addOption(
			new Option('--optimizer <name>', 'optimiser')
				.choices(['adam', 'adamw', 'sgd'])
				.default('adam'),
		)
		.option(
			'--weight-decay <λ>',
			'AdamW weight decay',
			number('--weight-decay'),
			TRAIN_DEFAULTS.weightDecay,
		)
		.addOption(
			new Option('--schedule <name>', 'learning-rate schedule')
				.choices(['constant', 'cosine'])
				.default('constant'),
		)
		.option('--warmup <epochs>', 'warm-up epochs of the cosine schedule', number('--warmup'), 0)
		.option(
			'--patience <n>',
			'stop after N validations without a lower validation loss (0: never)',
			number('--patience'),
			0,
		)
		.option('--no-keep-best', 'save the last epoch instead of the best validated one')
		.addOption(
			new Option(
				'--preset <preset>',
				'auto: epochs, batch size, learning rate, augmentation and recipe from the dataset size, as the model card advises (flags you give still win)',
			)
				.choices(PRESET_CHOICES)
				.default('manual'),
		)
		.option(
			'--label-smoothing <ε>',
			'share of the target spread over all classes (0–0.5)',
			number('--label-smoothing'),
			TRAIN_DEFAULTS.labelSmoothing,
		)
		.addOption(
			new Option(
				'--class-weights <mode>',
				'loss weights against class imbalance (auto: balanced when the largest class has ≥ 1.5× the smallest)',
			)
				.choices(CLASS_WEIGHT_CHOICES)
				.default(TRAIN_DEFAULTS.classWeights),
		)
		.option(
			'--clip-grad-norm <max>',
			'largest global L2 norm of the gradients (0: off)',
			number('--clip-grad-norm'),
			TRAIN_DEFAULTS.gradientClipNorm,
		)
		.option(
			'--body-lr-factor <f>',
			'pretrained layers learn at this fraction of the learning rate (0.01–1)',
			number('--body-lr-factor'),
			TRAIN_DEFAULTS.bodyLearningRateFactor,
		)
		.addOption(
			new Option(
				'--fine-tune <depth>',
				'which layers learn: full, last-stage (layer4 + classifier), head (classifier); auto: on wasm/js with --weights, last-stage when it fits ~10 min, else head',
			)
				.choices(FINE_TUNE_CHOICES)
				.default('auto'),
		)
		.addOption(backendOption())
		.action(async (dir: string, o: Record<string, unknown>, command: Command) => {
			await startBackend(o.backend as BackendChoice);
			const { data, manifest } = await trainingDataFromFolder(dir, {
				validationSplit: o.valSplit as number,
				seed: o.seed as number,
			});
			for (const problem of manifest.problems)
				process.stderr.write(
					`${problem.kept ? 'warning' : 'skipped'} ${problem.file}: ${problem.reason}\n`,
				);
			const initialWeights =
				o.weights === 'none' ? undefined : await readWeightsFile(o.weights as string);
			const controller = new AbortController();
			const stop = () => controller.abort();
			process.once('SIGINT', stop);
			try {
				// Under --preset auto only the flags given on the command line are the user's; defaults are Auto's to fill.
				const given = (key: string) =>
					o.preset === 'auto' && command.getOptionValueSource(key) === 'default'
						? undefined
						: o[key];
				const result = await train(
					data,
					{
						preset: o.preset,
						epochs: given('epochs'),
						batchSize: given('batchSize'),
						learningRate: given('lr'),
						evalSteps: o.evalSteps,
						imageSize: o.imageSize,
						seed: o.seed,
						augment: given('augment'),
						fineTune: o.fineTune,
						earlyStoppingPatience: given('patience'),
						keepBest: given('keepBest'),
						optimizer: given('optimizer'),
						weightDecay: o.weightDecay,
						schedule: given('schedule'),
						warmupEpochs: given('warmup'),
						labelSmoothing: given('labelSmoothing'),
						classWeights: o.classWeights,
						gradientClipNorm: o.clipGradNorm,
						bodyLearningRateFactor: o.bodyLrFactor,
					},
					{
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
					},
				);
				if (result.preset) process.stderr.write(`${result.preset.reason}\n`);
				const bytes = await saveModel(o.out as string, result.model);
				printJson({
					model: o.out,
					bytes,
					classes: result.model.metadata.classes,
					trainImages: data.train.length,
					validationImages: data.validation.length,
					validationSource: manifest.validationSource,
					backend: result.backend.kind,
					fineTune: result.fineTune,
					preset: result.preset,
					objective: result.objective,
					microBatch: result.microBatch,
					threads: result.threads,
					restoredEpoch: result.restoredEpoch,
					stoppedEarly: result.stoppedEarly,
					savedEpoch: result.savedEpoch,
					lastEpoch: result.lastEpoch,
					seconds: result.seconds,
					history: result.history,
				});
				result.model.network.dispose();
			} finally {
				process.off('SIGINT', stop);
			}
		});

	program
		.command('evaluate <model> <dir>')
		.description("score a model on a folder of class subfolders (named as the model's classes)")
		.option('--batch-size <n>', 'images per forward pass', number('--batch-size'), 16)
		.option('--top-k <n>', 'k for top-k accuracy', number('--top-k'), 5)
		.addOption(backendOption())
		.action(async (modelFile: string, dir: string, o: Record<string, unknown>) => {
			await startBackend(o.backend as BackendChoice);
			const model = await loadModel(modelFile);
			const folder = await scanImageFolder(dir);
			const samples = [...folder.samples, ...(folder.explicitValidation ?? [])].map((s) => ({
				file: s.file,
				label: labelIn(model.metadata.classes, folder.classes[s.label], dir),
			}));
			await reportEngine(model, samples.length);
			const result = await evaluate(model, samples, {
				batchSize: o.batchSize as number,
				topK: o.topK as number,
			});
			printJson({
				model: modelFile,
				...result.metrics,
				misclassified: result.misclassified,
				problems: folder.problems,
			});
			await detachInference(model.network);
			model.network.dispose();
		});

	program
		.command('classify <model> [images...]')
		.usage('[options] <model> <images...>  |  classify --imagenet [options] <images...>')
		.description(
			"predict the class of each image; with --imagenet, no model file: ImageNet's 1,000 classes from the published weights (downloaded once, ~45 MB)",
		)
		.option('--top-k <n>', 'most probable classes to list', number('--top-k'), 3)
		.option(
			'--threshold <p>',
			'below this confidence the label is "unknown"',
			number('--threshold'),
			0,
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
		.addOption(backendOption())
		.action(async (first: string, rest: string[], o: Record<string, unknown>) => {
			// With --imagenet there is no model file, so the first argument is an image too.
			const modelFile = o.imagenet ? undefined : first;
			const images = o.imagenet ? [first, ...rest] : rest;
			if (images.length === 0)
				throw new InvalidParameterError(
					'images',
					'give at least one image after the model file (or use --imagenet without a model file)',
				);
			await startBackend(o.backend as BackendChoice);
			const model = modelFile ? await loadModel(modelFile) : await imagenetFromCli(o);
			await reportEngine(model, images.length);
			const predictions = await classify(model, images, {
				topK: o.topK as number,
				threshold: o.threshold as number,
			});
			printJson(predictions.map((p, i) => ({ image: images[i], ...p })));
			await detachInference(model.network);
			model.network.dispose();
		});

	program
		.command('export-onnx <model>')
		.description(
			'write the model as ONNX (opset 13, NCHW input "input", outputs "logits", "probabilities", "features") for ONNX Runtime, OpenCV, TensorRT',
		)
		.requiredOption('--out <file>', 'where to write the .onnx file')
		.action(async (modelFile: string, o: { out: string }) => {
			const model = await loadModel(modelFile);
			const bytes = exportOnnx(model.network.toStateDict(), model.metadata);
			await writeFileAtomic(o.out, bytes);
			printJson({
				model: modelFile,
				onnx: o.out,
				bytes: bytes.byteLength,
				input: ['batch', 3, model.metadata.inputSize, model.metadata.inputSize],
				classes: model.metadata.classes,
				normalization: model.metadata.normalization,
			});
			model.network.dispose();
		});

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
	let reported = -1;
	const { model, file, downloaded } = await imagenetClassifier(source, {
		cacheFolder: o.weightsCache as string,
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

/** ONNX Runtime when installed (faster on CPU), else TensorFlow.js on every core; said on stderr either way. */
async function reportEngine(model: TrainedModel, images: number): Promise<void> {
	const engine = await prepareInference(model.network, model.metadata, { images });
	const threads = engine.threads > 1 ? `, ${engine.threads} threads` : '';
	process.stderr.write(
		engine.engine === 'onnxruntime'
			? 'Inference engine: ONNX Runtime\n'
			: `Inference engine: TensorFlow.js${threads} (${engine.reason})\n`,
	);
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
