import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { ResNet18 } from '../lib/model/resnet18';
import { BestCheckpoint } from '../lib/train/best-checkpoint';
import type { EpochRecord } from '../lib/train/types';
import { testBackend } from './support/backend';

const record = (
	epoch: number,
	validationAccuracy: number,
	validationLoss: number,
): EpochRecord => ({
	epoch,
	trainLoss: 1,
	trainAccuracy: 0.5,
	validationAccuracy,
	validationLoss,
	seconds: 1,
});

describe('keeping the best epoch and stopping early', () => {
	beforeAll(testBackend);

	it('restores the weights the network had at its best validated epoch', () => {
		const network = ResNet18.initialize(2, 1);
		const checkpoint = new BestCheckpoint(network, true, 0);
		const atEpoch = (seed: number) => {
			const other = ResNet18.initialize(2, seed);
			network.restoreStateDict(other.toStateDict());
			other.dispose();
		};
		atEpoch(11);
		checkpoint.afterEpoch(record(1, 0.6, 0.9));
		atEpoch(12);
		const best = network.toStateDict();
		checkpoint.afterEpoch(record(2, 0.8, 0.7));
		atEpoch(13);
		checkpoint.afterEpoch(record(3, 0.7, 0.8));
		assert.equal(checkpoint.restore(3), 2);
		for (const [name, tensor] of network.toStateDict())
			assert.deepEqual(tensor.data, best.get(name)!.data, name);
		network.dispose();
	});

	it('does nothing when the last epoch is the best, or when asked to keep the last', () => {
		const network = ResNet18.initialize(2, 1);
		const keep = new BestCheckpoint(network, true, 0);
		keep.afterEpoch(record(1, 0.5, 1));
		keep.afterEpoch(record(2, 0.9, 0.5));
		assert.equal(keep.restore(2), undefined);
		const last = new BestCheckpoint(network, false, 0);
		last.afterEpoch(record(1, 0.9, 0.5));
		last.afterEpoch(record(2, 0.5, 1));
		assert.equal(last.restore(2), undefined);
		network.dispose();
	});

	it('stops after `patience` validations without a lower validation loss, never when patience is 0', () => {
		const network = ResNet18.initialize(2, 1);
		const stopper = new BestCheckpoint(network, false, 2);
		assert.equal(stopper.afterEpoch(record(1, 0.5, 1.0)), false);
		assert.equal(stopper.afterEpoch(record(2, 0.6, 0.8)), false);
		assert.equal(stopper.afterEpoch(record(3, 0.6, 0.9)), false, 'one without improvement');
		assert.equal(stopper.afterEpoch(record(4, 0.7, 0.85)), true, 'two in a row: stop');
		const never = new BestCheckpoint(network, false, 0);
		for (let e = 1; e < 10; e++) assert.equal(never.afterEpoch(record(e, 0.5, e)), false);
		network.dispose();
	});
});
