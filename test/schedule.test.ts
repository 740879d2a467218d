import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as tf from '../lib/compute/tf';
import { learningRateAt, setLearningRate } from '../lib/train/schedule';
import { createAdam, createSgd } from '../lib/train/optimizers';
import { testBackend } from './support/backend';

describe('learning-rate schedules', () => {
	beforeAll(testBackend);

	it('warms up linearly, then decays along a cosine to 0 at the last step', () => {
		const at = (epoch: number, batch: number) =>
			learningRateAt(1e-3, 'cosine', 1, epoch, batch, 10, 5);
		assert.ok(Math.abs(at(1, 1) - 1e-3 / 11) < 1e-12, 'first warm-up step');
		assert.ok(at(1, 10) < at(2, 1), 'rising through warm-up');
		assert.ok(Math.abs(at(2, 1) - 1e-3) < 1e-12, 'peak right after warm-up');
		assert.ok(Math.abs(at(4, 1) - 0.5e-3) < 1e-12, 'half-way through the decay: half the rate');
		assert.ok(at(5, 10) < 1e-5, 'close to 0 at the end');
		assert.equal(learningRateAt(1e-3, 'constant', 1, 3, 4, 10, 5), 1e-3);
	});

	it('changes the step size of Adam and SGD when the rate is set', async () => {
		for (const make of [() => createAdam(1), () => createSgd(1, 0)]) {
			const optimizer = make();
			const v = tf.variable(tf.scalar(0));
			setLearningRate(optimizer, 0.25);
			optimizer.applyGradients({ [v.name]: tf.scalar(1) });
			assert.ok(
				Math.abs((await v.data())[0] + 0.25) < 1e-5,
				`moved by the new rate: ${(await v.data())[0]}`,
			);
			optimizer.dispose();
			v.dispose();
		}
	});
});
