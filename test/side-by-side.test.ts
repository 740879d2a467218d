import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { train, type TrainResult } from '../lib/train/train';
import { testBackend } from './support/backend';
import { OPTIONS, setup } from './support/side-by-side';

interface TorchRun {
	torch: string;
	history: { epoch: number; trainLoss: number; validationAccuracy: number }[];
}

// PyTorch's numbers were written by test/fixtures/side_by_side.py (Debian PyTorch 1.13) from the same initial weights
// and the same input tensors; CI does not need PyTorch to run this.
const reference = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../test/fixtures/side-by-side/torch.json'), 'utf8')) as TorchRun;

describe(`training tracks PyTorch ${reference.torch} on 10-class Fashion-MNIST (200 + 100 images at 32 px)`, () => {
	let ours: TrainResult;
	before(async () => {
		await testBackend();
		const { data, initial } = await setup();
		ours = await train(data, OPTIONS, { initialWeights: initial, threads: 1 });
		ours.model.network.dispose();
	});

	it('has the same training loss curve: epoch 1 within 5 %, later epochs within 5 % of the curve\'s scale', () => {
		// Step 1 gives the same loss to 7 digits; afterwards max-pool ties on Fashion-MNIST's flat backgrounds (routed
		// to different positions by the two frameworks) and float summation order let the trajectories drift apart.
		const scale = reference.history[0].trainLoss;
		for (const [i, theirs] of reference.history.entries()) {
			const mine = ours.history[i].trainLoss;
			const gap = Math.abs(mine - theirs.trainLoss) / (i === 0 ? theirs.trainLoss : scale);
			assert.ok(gap < 0.05, `epoch ${theirs.epoch}: loss ${mine.toFixed(4)} vs PyTorch ${theirs.trainLoss.toFixed(4)} (gap ${(gap * 100).toFixed(1)} %)`);
		}
	});

	it('ends at the same validation accuracy, within 2 points', () => {
		const mine = ours.history.at(-1)!.validationAccuracy!;
		const theirs = reference.history.at(-1)!.validationAccuracy;
		assert.ok(Math.abs(mine - theirs) <= 0.02 + 1e-9, `validation accuracy ${mine} vs PyTorch ${theirs}`);
	});
});
