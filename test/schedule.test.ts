import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '../lib/compute/tf';
import { ResNet18 } from '../lib/model/resnet18';
import { applyWeightDecay, learningRateAt, setLearningRate } from '../lib/train/schedule';
import { createAdam, createSgd } from '../lib/train/step';
import { testBackend } from './support/backend';

describe('learning-rate schedules and decoupled weight decay', () => {
	before(testBackend);

	it('warms up linearly, then decays along a cosine to 0 at the last step', () => {
		const at = (epoch: number, batch: number) => learningRateAt(1e-3, 'cosine', 1, epoch, batch, 10, 5);
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
			assert.ok(Math.abs((await v.data())[0] + 0.25) < 1e-5, `moved by the new rate: ${(await v.data())[0]}`);
			optimizer.dispose();
			v.dispose();
		}
	});

	it('decays convolution and classifier weights by lr·λ, leaving batch norm and biases alone', () => {
		const network = ResNet18.initialize(2, 3);
		const before = network.toStateDict();
		applyWeightDecay(network, 0.1, 0.5);
		const after = network.toStateDict();
		const ratio = (name: string) => (after.get(name)!.data as Float32Array)[0] / (before.get(name)!.data as Float32Array)[0];
		assert.ok(Math.abs(ratio('layer2.0.conv1.weight') - 0.95) < 1e-6);
		assert.ok(Math.abs(ratio('fc.weight') - 0.95) < 1e-6);
		assert.deepEqual(after.get('fc.bias')!.data, before.get('fc.bias')!.data);
		assert.deepEqual(after.get('bn1.weight')!.data, before.get('bn1.weight')!.data);
		network.dispose();
	});
});
