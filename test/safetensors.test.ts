import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { WeightsError } from '../lib/errors';
import { ResNet18 } from '../lib/model/resnet18';
import { readSafetensors, writeSafetensors } from '../lib/weights/safetensors';
import type { StateDict } from '../lib/weights/host-tensor';
import { goldenStateDict } from './support/golden-weights';
import { testBackend } from './support/backend';

function tinyState(): StateDict {
	return new Map([
		['a.weight', { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6.5) }],
		['a.count', { dtype: 'int64', shape: [], data: BigInt64Array.of(7n) }],
	]);
}

describe('safetensors files', () => {
	it('round-trips float32 and int64 tensors and string metadata', () => {
		const bytes = writeSafetensors(tinyState(), { classes: '["cat","dog"]' });
		const { tensors, metadata } = readSafetensors(bytes);
		assert.deepEqual([...tensors.keys()], ['a.weight', 'a.count']);
		assert.deepEqual(tensors.get('a.weight'), tinyState().get('a.weight'));
		assert.deepEqual(tensors.get('a.count'), tinyState().get('a.count'));
		assert.deepEqual(metadata, { classes: '["cat","dog"]' });
	});

	it('writes the layout other readers expect: u64 header length, JSON header, 8-byte aligned data', () => {
		const bytes = writeSafetensors(tinyState());
		const headerLength = Number(bytes.readBigUInt64LE(0));
		assert.equal((8 + headerLength) % 8, 0);
		const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
		assert.deepEqual(header['a.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
		assert.deepEqual(header['a.count'], { dtype: 'I64', shape: [], data_offsets: [24, 32] });
		assert.equal(bytes.length, 8 + headerLength + 32);
	});

	it('reads F16, BF16 and F64 tensors as float32', () => {
		const data = Buffer.alloc(2 + 2 + 8);
		data.writeUInt16LE(0x3c00, 0); // 1.0 in float16
		data.writeUInt16LE(0xc040, 2); // -3.0 in bfloat16
		data.writeDoubleLE(0.25, 4);
		const header = JSON.stringify({
			h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
			b: { dtype: 'BF16', shape: [1], data_offsets: [2, 4] },
			d: { dtype: 'F64', shape: [1], data_offsets: [4, 12] },
		});
		const length = Buffer.alloc(8);
		length.writeBigUInt64LE(BigInt(header.length));
		const { tensors } = readSafetensors(Buffer.concat([length, Buffer.from(header), data]));
		assert.deepEqual(
			[...tensors.values()].map((t) => t.data[0]),
			[1, -3, 0.25],
		);
	});

	it('rejects a truncated file with an error naming the file and tensor', () => {
		const bytes = writeSafetensors(tinyState());
		assert.throws(
			() => readSafetensors(bytes.subarray(0, bytes.length - 4), 'model.safetensors'),
			(e: unknown) =>
				e instanceof WeightsError && e.file === 'model.safetensors' && /a\.count/.test(e.message),
		);
		assert.throws(() => readSafetensors(Buffer.from('hello world'), 'x.safetensors'), WeightsError);
		assert.throws(() => readSafetensors(Buffer.alloc(3), 'x.safetensors'), /x\.safetensors/);
	});
});

describe('loading a ResNet-18 state dict', () => {
	it('names a missing, an extra and a mis-shaped tensor', async () => {
		await testBackend();
		const missing = goldenStateDict(3);
		missing.delete('layer2.0.downsample.0.weight');
		assert.throws(
			() => ResNet18.fromStateDict(missing, { file: 'm.safetensors' }),
			(e: unknown) =>
				e instanceof WeightsError &&
				e.tensor === 'layer2.0.downsample.0.weight' &&
				/missing/.test(e.message),
		);

		const extra = goldenStateDict(3);
		extra.set('layer5.0.conv1.weight', { dtype: 'float32', shape: [1], data: Float32Array.of(0) });
		assert.throws(
			() => ResNet18.fromStateDict(extra),
			(e: unknown) => e instanceof WeightsError && e.tensor === 'layer5.0.conv1.weight',
		);

		const misshaped = goldenStateDict(3);
		misshaped.set('bn1.weight', { dtype: 'float32', shape: [32], data: new Float32Array(32) });
		assert.throws(
			() => ResNet18.fromStateDict(misshaped),
			/"bn1\.weight" has shape \[32\], expected \[64\]/,
		);
	});

	it('replaces a 1,000-class ImageNet classifier for fine-tuning, and otherwise refuses a class-count mismatch', async () => {
		await testBackend();
		const imagenet = goldenStateDict(1000);
		assert.throws(() => ResNet18.fromStateDict(imagenet, { numClasses: 4 }), /fc\.weight/);
		const model = ResNet18.fromStateDict(imagenet, { numClasses: 4, replaceClassifier: true });
		assert.equal(model.numClasses, 4);
		assert.equal(model.classifierReplaced, true);
		const state = model.toStateDict();
		assert.deepEqual(state.get('fc.weight')!.shape, [4, 512]);
		assert.deepEqual(state.get('conv1.weight')!.data, imagenet.get('conv1.weight')!.data);
		model.dispose();
	});

	it('writes back exactly the state dict it read (torchvision names, torch layout, counters)', async () => {
		await testBackend();
		const original = goldenStateDict(5);
		const model = ResNet18.fromStateDict(original);
		const written = model.toStateDict();
		model.dispose();
		assert.deepEqual([...written.keys()], [...original.keys()]);
		for (const [name, tensor] of original) assert.deepEqual(written.get(name), tensor, name);
	});
});
