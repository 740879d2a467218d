/**
 * `npm run example`: the main job end to end on a small generated dataset, without n8n —
 * generate class folders → train ResNet-18 → evaluate → classify. A few minutes on 2 CPU cores.
 *
 * The same steps with the CLI:
 *   resnet18 train examples/data/shapes --out examples/output/shapes.safetensors --epochs 3 --lr 0.001 --image-size 96
 *   resnet18 evaluate examples/output/shapes.safetensors examples/data/shapes
 *   resnet18 classify examples/output/shapes.safetensors examples/data/shapes/circle/<file>
 */
import * as path from 'node:path';
import {
	classify,
	evaluate,
	loadModel,
	saveModel,
	train,
	trainingDataFromFolder,
	useBackend,
	writeSyntheticDataset,
} from '../lib';

const root = path.resolve(__dirname, '../../examples');
const dataDir = path.join(root, 'data', 'shapes');
const modelFile = path.join(root, 'output', 'shapes.safetensors');

async function main(): Promise<void> {
	const backend = await useBackend('auto');
	console.log(backend.summary);

	const classes = await writeSyntheticDataset(dataDir, {
		classes: 3,
		perClass: 40,
		size: 128,
		seed: 1,
	});
	console.log(`1. Dataset: ${dataDir} (${classes.join(', ')}; 40 images each)`);

	const { data } = await trainingDataFromFolder(dataDir, { validationSplit: 0.2, seed: 42 });
	// From scratch, so a higher learning rate than the fine-tuning default; with ImageNet weights keep 5e-5.
	const result = await train(
		data,
		{ epochs: 3, batchSize: 8, learningRate: 1e-3, imageSize: 96 },
		{
			name: 'shapes',
			onProgress: (p) => {
				if (p.kind === 'epoch') {
					const r = p.record;
					console.log(
						`   epoch ${r.epoch}/${p.epochs}: train loss ${r.trainLoss.toFixed(3)}, validation accuracy ${((r.validationAccuracy ?? 0) * 100).toFixed(1)}% (${r.seconds.toFixed(0)} s)`,
					);
				}
			},
		},
	);
	const bytes = await saveModel(modelFile, result.model);
	result.model.network.dispose();
	console.log(
		`2. Trained on ${data.train.length} images in ${result.seconds.toFixed(0)} s → ${modelFile} (${(bytes / 2 ** 20).toFixed(1)} MB)`,
	);

	const model = await loadModel(modelFile);
	const evaluation = await evaluate(model, data.validation);
	console.log(
		`3. Validation: accuracy ${(evaluation.metrics.accuracy * 100).toFixed(1)}% on ${evaluation.metrics.count} images, macro F1 ${evaluation.metrics.macro.f1.toFixed(3)}`,
	);
	console.log(
		`   confusion matrix (rows = true ${model.metadata.classes.join('/')}): ${JSON.stringify(evaluation.metrics.confusionMatrix)}`,
	);

	const images = data.validation.slice(0, 3).map((s) => s.file);
	const predictions = await classify(model, images, { topK: 2 });
	console.log('4. Classify:');
	predictions.forEach((p, i) =>
		console.log(
			`   ${path.relative(root, images[i])} → ${p.label} (${(p.confidence * 100).toFixed(1)}%)`,
		),
	);
	model.network.dispose();
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
