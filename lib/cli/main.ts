#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { AUGMENTATION_CHOICES } from '../data/augment';
import { FINE_TUNE_CHOICES } from '../train/fine-tune';
import { BACKEND_CHOICES, useBackend, type BackendChoice } from '../compute/backend';
import { scanImageFolder } from '../data/dataset';
import { manifestFromFolder } from '../data/manifest';
import { Resnet18Error } from '../errors';
import { evaluate } from '../eval/evaluate';
import { classify } from '../infer/classify';
import { loadModel, saveModel, type TrainedModel } from '../model-file/model-file';
import { detachOnnxRuntime, prepareInference } from '../infer/onnx-runtime';
import { exportOnnx } from '../onnx/export';
import { writeFileAtomic } from '../atomic-write';
import { TRAIN_DEFAULTS } from '../train/options';
import { train } from '../train/train';
import { prepareTrainingData } from '../train/training-data';
import { packageVersion } from '../version';
import { readWeightsFile } from '../weights/read-weights';

/** `resnet18 <command>`: the library without n8n. JSON results on stdout, progress and errors on stderr. */

function number(name: string) {
	return (value: string): number => {
		const parsed = Number(value);
		if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError(`${name} must be a number`);
		return parsed;
	};
}

function printJson(value: unknown): void {
	process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const backendOption = () => new Option('--backend <backend>', 'compute backend').choices(BACKEND_CHOICES).default('auto');

async function startBackend(choice: BackendChoice): Promise<void> {
	const report = await useBackend(choice);
	process.stderr.write(`${report.summary}\n`);
}

export function buildProgram(): Command {
	const program = new Command('resnet18')
		.description('Train, evaluate and run ResNet-18 image classifiers (TensorFlow.js; no n8n needed)')
		.version(packageVersion())
		.showHelpAfterError();

	program
		.command('dataset <dir>')
		.description('scan a folder of class subfolders: counts, split, problems (unreadable files, duplicates, small classes) and the model card\'s recommended settings')
		.option('--val-split <fraction>', 'validation fraction when there is no val/ folder (0–0.5)', number('--val-split'), 0.2)
		.option('--max-megapixels <n>', 'refuse larger images without decoding them', number('--max-megapixels'), 100)
		.action(async (dir: string, o: { valSplit: number; maxMegapixels: number }) => {
			const manifest = await manifestFromFolder(dir, { validationSplit: o.valSplit, limitInputPixels: o.maxMegapixels * 1e6 });
			printJson({ source: manifest.source, classes: manifest.classes, counts: manifest.counts, validationSource: manifest.validationSource, report: manifest.report, problems: manifest.problems });
		});

	program
		.command('train <dir>')
		.description('fine-tune ResNet-18 on a folder of class subfolders')
		.requiredOption('--out <file>', 'where to write the model (.safetensors)')
		.option('--epochs <n>', 'passes over the training images (1–50)', number('--epochs'), TRAIN_DEFAULTS.epochs)
		.option('--batch-size <n>', 'images per step (1–128; 4–8 on CPU)', number('--batch-size'), TRAIN_DEFAULTS.batchSize)
		.option('--lr <rate>', 'learning rate (1e-5–1e-3)', number('--lr'), TRAIN_DEFAULTS.learningRate)
		.option('--eval-steps <n>', 'validate every N epochs', number('--eval-steps'), TRAIN_DEFAULTS.evalSteps)
		.option('--image-size <px>', 'network input side', number('--image-size'), TRAIN_DEFAULTS.imageSize)
		.option('--val-split <fraction>', 'validation fraction when there is no val/ folder (0–0.5)', number('--val-split'), 0.2)
		.option('--seed <n>', 'seed for initialisation, split, shuffling and augmentation', number('--seed'), TRAIN_DEFAULTS.seed)
		.addOption(new Option('--augment <preset>', 'training augmentation (auto: by dataset size, as the model card advises)').choices(AUGMENTATION_CHOICES).default('auto'))
		.option('--weights <file|none>', 'starting weights: a torchvision/timm .safetensors or .pth, or none', 'none')
		.option('--name <name>', 'model name stored in the file')
		.addOption(new Option('--optimizer <name>', 'optimiser').choices(['adam', 'adamw', 'sgd']).default('adam'))
		.option('--weight-decay <λ>', 'AdamW weight decay', number('--weight-decay'), TRAIN_DEFAULTS.weightDecay)
		.addOption(new Option('--schedule <name>', 'learning-rate schedule').choices(['constant', 'cosine']).default('constant'))
		.option('--warmup <epochs>', 'warm-up epochs of the cosine schedule', number('--warmup'), 0)
		.option('--patience <n>', 'stop after N validations without a lower validation loss (0: never)', number('--patience'), 0)
		.option('--no-keep-best', 'save the last epoch instead of the best validated one')
		.addOption(new Option('--fine-tune <depth>', 'which layers learn (auto: classifier only on wasm/js when --weights are given)').choices(FINE_TUNE_CHOICES).default('auto'))
		.addOption(backendOption())
		.action(async (dir: string, o: Record<string, unknown>) => {
			await startBackend(o.backend as BackendChoice);
			const data = await prepareTrainingData(dir, { validationSplit: o.valSplit as number, seed: o.seed as number });
			for (const problem of data.folder.problems) process.stderr.write(`skipped ${problem.file}: ${problem.reason}\n`);
			const initialWeights = o.weights === 'none' ? undefined : await readWeightsFile(o.weights as string);
			const controller = new AbortController();
			const stop = () => controller.abort();
			process.once('SIGINT', stop);
			try {
				const result = await train(
					data,
					{ epochs: o.epochs, batchSize: o.batchSize, learningRate: o.lr, evalSteps: o.evalSteps, imageSize: o.imageSize, seed: o.seed, augment: o.augment, fineTune: o.fineTune, earlyStoppingPatience: o.patience, keepBest: o.keepBest, optimizer: o.optimizer, weightDecay: o.weightDecay, schedule: o.schedule, warmupEpochs: o.warmup },
					{
						initialWeights,
						signal: controller.signal,
						name: o.name as string | undefined,
						onProgress: (p) => {
							// A live batch counter only on a terminal; logs get one line per epoch.
							if (p.kind === 'batch') {
								if (process.stderr.isTTY) process.stderr.write(`\repoch ${p.epoch} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)}`);
							} else if (p.kind === 'features') {
								if (process.stderr.isTTY || p.batch === p.batches) process.stderr.write(`${process.stderr.isTTY ? '\r' : ''}features (${p.view}) ${p.batch}/${p.batches}${p.batch === p.batches ? '\n' : ''}`);
							} else {
								process.stderr.write(`${process.stderr.isTTY ? '\r' : ''}${formatEpoch(p.record, p.epochs)}\n`);
							}
						},
					},
				);
				const bytes = await saveModel(o.out as string, result.model);
				printJson({
					model: o.out,
					bytes,
					classes: result.model.metadata.classes,
					trainImages: data.train.length,
					validationImages: data.validation.length,
					validationSource: data.validationSource,
					backend: result.backend.kind,
					fineTune: result.fineTune,
					microBatch: result.microBatch,
					threads: result.threads,
					restoredEpoch: result.restoredEpoch,
					stoppedEarly: result.stoppedEarly,
					bestEpoch: result.bestEpoch,
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
		.description('score a model on a folder of class subfolders (named as the model\'s classes)')
		.option('--batch-size <n>', 'images per forward pass', number('--batch-size'), 16)
		.option('--top-k <n>', 'k for top-k accuracy', number('--top-k'), 5)
		.addOption(backendOption())
		.action(async (modelFile: string, dir: string, o: Record<string, unknown>) => {
			await startBackend(o.backend as BackendChoice);
			const model = await loadModel(modelFile);
			await reportEngine(model);
			const folder = await scanImageFolder(dir);
			const samples = [...folder.samples, ...(folder.explicitValidation ?? [])].map((s) => ({ file: s.file, label: labelIn(model.metadata.classes, folder.classes[s.label], dir) }));
			const result = await evaluate(model, samples, { batchSize: o.batchSize as number, topK: o.topK as number });
			printJson({ model: modelFile, ...result.metrics, misclassified: result.misclassified, problems: folder.problems });
			await detachOnnxRuntime(model.network);
			model.network.dispose();
		});

	program
		.command('classify <model> <images...>')
		.description('predict the class of each image')
		.option('--top-k <n>', 'most probable classes to list', number('--top-k'), 3)
		.option('--threshold <p>', 'below this confidence the label is "unknown"', number('--threshold'), 0)
		.addOption(backendOption())
		.action(async (modelFile: string, images: string[], o: Record<string, unknown>) => {
			await startBackend(o.backend as BackendChoice);
			const model = await loadModel(modelFile);
			await reportEngine(model);
			const predictions = await classify(model, images, { topK: o.topK as number, threshold: o.threshold as number });
			printJson(predictions.map((p, i) => ({ image: images[i], ...p })));
			await detachOnnxRuntime(model.network);
			model.network.dispose();
		});

	program
		.command('export-onnx <model>')
		.description('write the model as ONNX (opset 13, NCHW input "input", outputs "logits", "probabilities", "features") for ONNX Runtime, OpenCV, TensorRT')
		.requiredOption('--out <file>', 'where to write the .onnx file')
		.action(async (modelFile: string, o: { out: string }) => {
			const model = await loadModel(modelFile);
			const bytes = exportOnnx(model.network.toStateDict(), model.metadata);
			await writeFileAtomic(o.out, bytes);
			printJson({ model: modelFile, onnx: o.out, bytes: bytes.byteLength, input: ["batch", 3, model.metadata.inputSize, model.metadata.inputSize], classes: model.metadata.classes, normalization: model.metadata.normalization });
			model.network.dispose();
		});

	return program;
}

/** ONNX Runtime when installed (faster on CPU), else TensorFlow.js; said on stderr either way. */
async function reportEngine(model: TrainedModel): Promise<void> {
	const engine = await prepareInference(model.network, model.metadata);
	process.stderr.write(engine.engine === 'onnxruntime' ? 'Inference engine: ONNX Runtime\n' : `Inference engine: TensorFlow.js (${engine.reason})\n`);
}

function labelIn(classes: readonly string[], name: string, dir: string): number {
	const index = classes.indexOf(name);
	if (index < 0) throw new Resnet18Error(`${dir}: class folder "${name}" is not one of the model's classes (${classes.join(', ')})`);
	return index;
}

function formatEpoch(r: { epoch: number; trainLoss: number; trainAccuracy: number; validationLoss?: number; validationAccuracy?: number; seconds: number }, epochs: number): string {
	const validation = r.validationAccuracy !== undefined ? ` · val loss ${r.validationLoss!.toFixed(4)} acc ${(r.validationAccuracy * 100).toFixed(1)}%` : '';
	return `epoch ${r.epoch}/${epochs}: train loss ${r.trainLoss.toFixed(4)} acc ${(r.trainAccuracy * 100).toFixed(1)}%${validation} (${r.seconds.toFixed(1)} s)`;
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
	try {
		await buildProgram().exitOverride().parseAsync([...argv]);
		return 0;
	} catch (error) {
		if (error instanceof Error && 'exitCode' in error && typeof (error as { exitCode: unknown }).exitCode === 'number') {
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
