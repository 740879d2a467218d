import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../lib/compute/tf';
import { saveModel } from '../lib/model-file/model-file';
import { MODEL_FORMAT } from '../lib/model-file/metadata';
import { IMAGENET_NORMALIZATION } from '../lib/data/normalization';
import { ResNet18 } from '../lib/model/resnet18';
import { goldenInputNHWC } from './support/golden-weights';
import { testBackend } from './support/backend';
import { tempDir } from './support/temp';
import { CURRENT_PREPROCESSING } from '../lib/data/preprocessing';

const torchAvailable =
	spawnSync('/usr/bin/python3', ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status ===
	0;

/** Loads our file with nothing but the format's spec (header JSON + raw bytes) into torchvision, strictly. */
const LOAD_IN_TORCH = `
import json, struct, sys, numpy as np, torch, torchvision
torch.set_num_threads(2)
path, classes = sys.argv[1], int(sys.argv[2])
raw = open(path, 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header.pop('__metadata__')
dtypes = {'F32': np.float32, 'I64': np.int64}
state = {k: torch.from_numpy(np.frombuffer(raw[8 + n + v['data_offsets'][0]: 8 + n + v['data_offsets'][1]], dtype=dtypes[v['dtype']]).reshape(v['shape']).copy()) for k, v in header.items()}
model = torchvision.models.resnet18(num_classes=classes)
model.load_state_dict(state, strict=True)
model.eval()
sys.path.insert(0, sys.argv[3])
import make_golden
with torch.no_grad():
    print(json.dumps({'classes': json.loads(meta['classes']), 'logits': model(make_golden.make_input((1, 3, 64, 64), 77)).flatten().tolist()}))
`;

describe('our model files in PyTorch', () => {
	(torchAvailable ? it : it.skip)(
		'load into torchvision.models.resnet18(num_classes=K) with strict load_state_dict and give our logits (needs Debian PyTorch; skipped without)',
		async () => {
			await testBackend();
			const dir = tempDir();
			const file = path.join(dir, 'model.safetensors');
			const network = ResNet18.initialize(4, 11);
			// A training-mode pass moves the BN running statistics away from their initial values.
			tf.tidy(() =>
				network.forward(tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 3) as tf.Tensor4D, {
					training: true,
				}),
			);
			await saveModel(file, {
				network,
				metadata: {
					format: MODEL_FORMAT,
					architecture: 'resnet18',
					classes: ['a', 'b', 'c', 'd'],
					inputSize: 64,
					resizeSize: 73,
					preprocessing: CURRENT_PREPROCESSING,
					normalization: IMAGENET_NORMALIZATION,
					packageVersion: 'test',
					createdAt: 'now',
				},
			});
			const input = goldenInputNHWC([1, 3, 64, 64], 77);
			const ours = tf.tidy(() =>
				Array.from(network.forward(tf.tensor4d(input.data, input.shape)).dataSync()),
			);
			network.dispose();
			const out = execFileSync(
				'/usr/bin/python3',
				['-c', LOAD_IN_TORCH, file, '4', path.join(__dirname, '../../test/fixtures')],
				{ encoding: 'utf8' },
			);
			const theirs = JSON.parse(out) as { classes: string[]; logits: number[] };
			assert.deepEqual(theirs.classes, ['a', 'b', 'c', 'd']);
			const diff = Math.max(...theirs.logits.map((v, i) => Math.abs(v - ours[i])));
			assert.ok(diff <= 1e-4, `max |Δlogit| ${diff}`);
			assert.ok(fs.statSync(file).size > 40e6);
		},
	);
});
