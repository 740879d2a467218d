/**
 * The PyTorch side-by-side comparison, our half. `setup()` gives the data, options and initial weights both sides
 * use; `node dist/test/support/side-by-side.js dump DIR` writes them for test/fixtures/side_by_side.py: the initial
 * state dict (safetensors, torchvision names) and the exact input tensors our pipeline feeds the network.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../lib/compute/backend';
import { imageBatches } from '../../lib/data/batches';
import { createRng } from '../../lib/data/random';
import { ResNet18 } from '../../lib/model/resnet18';
import { trainingDataFromFolder, type TrainingData } from '../../lib/data/training-data';
import type { TrainOptionsInput } from '../../lib/train/options';
import type { StateDict } from '../../lib/weights/host-tensor';
import { writeSafetensors } from '../../lib/weights/safetensors';

export const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/fashion-mnist-300');
export const VALIDATION = path.resolve(__dirname, '../../../test/fixtures/fashion-mnist-val-1000');
/**
 * Same optimiser, no augmentation, no shuffling, one thread: every step sees the same numbers on both sides. Adam at
 * 1e-4 (a fine-tuning rate): PyTorch run twice, on 1 and on 2 threads, agrees with itself to ~2 % in loss there; at
 * SGD 1e-3 float summation order alone moved its own final loss by 17 %, leaving nothing to compare against.
 */
export const OPTIONS: TrainOptionsInput = {
	epochs: 4,
	batchSize: 10,
	learningRate: 1e-4,
	optimizer: 'adam',
	imageSize: 32,
	augment: 'none',
	shuffle: false,
	fineTune: 'full',
	seed: 3,
};
const INIT_SEED = 17;

export async function setup(): Promise<{ data: TrainingData; initial: StateDict }> {
	const { data, manifest } = await trainingDataFromFolder(path.join(FIXTURE, 'train'), {
		validationFolder: VALIDATION,
	});
	const network = ResNet18.initialize(manifest.classes.length, INIT_SEED);
	const initial = network.toStateDict();
	network.dispose();
	// One fixed order for every epoch on both sides (class folders are listed class by class).
	return { data: { ...data, train: createRng(5).shuffle([...data.train]) }, initial };
}

async function dump(dir: string): Promise<void> {
	await useBackend('wasm');
	const { data, initial } = await setup();
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(path.join(dir, 'init.safetensors'), writeSafetensors(initial));
	const size = OPTIONS.imageSize as number;
	const write = async (name: string, samples: TrainingData['train'], mode: 'train' | 'eval') => {
		const chunks: Buffer[] = [];
		const labels: number[] = [];
		for await (const b of imageBatches(samples, {
			batchSize: 50,
			shuffle: false,
			seed: 0,
			mode,
			cropSize: size,
			augmentation: 'none',
		})) {
			chunks.push(Buffer.from(b.images.buffer, b.images.byteOffset, b.images.byteLength));
			labels.push(...b.labels);
		}
		fs.writeFileSync(path.join(dir, `${name}.f32`), Buffer.concat(chunks));
		fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ labels, size }));
	};
	await write('train', data.train, 'train');
	await write('validation', data.validation, 'eval');
	fs.writeFileSync(
		path.join(dir, 'options.json'),
		JSON.stringify({ ...OPTIONS, classes: data.classes }),
	);
}

if (require.main === module && process.argv[2] === 'dump') {
	dump(process.argv[3]).catch((error: unknown) => {
		console.error(error);
		process.exit(1);
	});
}
