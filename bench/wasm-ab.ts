/**
 * `npm run bench:wasm-ab [-- BASE_REV]`: the WebAssembly training step at 224×224, batch 8, of an earlier commit (A,
 * default: a1f3aab, the last one before the native engine's padding, batch-norm and convolution changes) against
 * this tree (B), in alternating runs A B A B A B, each in a fresh process, so that drifting machine load falls on
 * both alike. Prints every run, the means and B/A; the target is B/A ≤ 1.05. Timings are printed, never asserted.
 *
 * A is checked out with `git worktree` into a temporary folder sharing this tree's node_modules and compiled there.
 * Each run loads the tree's own compiled lib/ (the same four entry points exist in both).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 3);
const SIZE = 224;
const BATCH = 8;
const STEPS = Number(process.env.BENCH_STEPS ?? 2);

/** In the child: one tree's WASM step, ms per image, warm-up excluded. */
async function child(tree: string): Promise<void> {
	// Another tree's compiled files, found at run time: only require() can load them.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const load = (m: string) => require(path.join(tree, 'dist/lib', m)) as Record<string, unknown>;
	const tf = load('compute/tf') as unknown as typeof import('../lib/compute/tf');
	const { useBackend } = load(
		'compute/backend',
	) as unknown as typeof import('../lib/compute/backend');
	const { ResNet18 } = load('model/resnet18') as unknown as typeof import('../lib/model/resnet18');
	const { createAdam } = load(
		'train/optimizers',
	) as unknown as typeof import('../lib/train/optimizers');
	const { trainingStep } = load('train/step') as unknown as typeof import('../lib/train/step');
	await useBackend('wasm');
	const model = ResNet18.initialize(10, 0);
	const x = tf.randomNormal([BATCH, SIZE, SIZE, 3]) as import('../lib/compute/tf').Tensor4D;
	const labels = Int32Array.from({ length: BATCH }, (_, i) => i % 10);
	const optimizer = createAdam(5e-5);
	await trainingStep(model, optimizer, x, labels);
	const t0 = performance.now();
	for (let i = 0; i < STEPS; i++) await trainingStep(model, optimizer, x, labels);
	const ms = (performance.now() - t0) / STEPS / BATCH;
	process.stdout.write(`${JSON.stringify({ msPerImage: ms })}\n`);
}

function run(tree: string): number {
	const r = spawnSync(process.execPath, [__filename, 'child', tree], {
		encoding: 'utf8',
		env: { ...process.env, RESNET18_BACKEND: 'wasm' },
	});
	const line = r.stdout.trim().split('\n').pop() ?? '';
	try {
		return (JSON.parse(line) as { msPerImage: number }).msPerImage;
	} catch {
		throw new Error(`run in ${tree} failed (exit ${r.status}): ${r.stderr.trim().slice(-500)}`);
	}
}

function mean(xs: number[]): number {
	return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function main(): void {
	const repo = path.resolve(__dirname, '../..');
	const base = process.argv[2] ?? 'a1f3aab';
	const treeA = fs.mkdtempSync(path.join(os.tmpdir(), 'resnet18-ab-'));
	fs.rmSync(treeA, { recursive: true });
	const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
	git('worktree', 'add', '--detach', treeA, base);
	try {
		fs.symlinkSync(path.join(repo, 'node_modules'), path.join(treeA, 'node_modules'));
		execFileSync(
			process.execPath,
			[path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
			{
				cwd: treeA,
				stdio: 'inherit',
			},
		);
		const load = fs.readFileSync('/proc/loadavg', 'utf8').trim();
		console.log(
			`WASM training step, ${SIZE}×${SIZE}, batch ${BATCH}, ${STEPS} steps a run; A = ${base}, B = this tree; load ${load}`,
		);
		const a: number[] = [];
		const b: number[] = [];
		for (let i = 0; i < ROUNDS; i++) {
			a.push(run(treeA));
			console.log(`  A run ${i + 1}: ${a[i].toFixed(1)} ms/image`);
			b.push(run(repo));
			console.log(`  B run ${i + 1}: ${b[i].toFixed(1)} ms/image`);
		}
		const ratio = mean(b) / mean(a);
		console.log(
			`A ${mean(a).toFixed(1)}, B ${mean(b).toFixed(1)} ms/image: B/A ${ratio.toFixed(3)} ${ratio <= 1.05 ? 'PASS' : 'MISS'} (target ≤ 1.05); load ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`,
		);
	} finally {
		git('worktree', 'remove', '--force', treeA);
	}
}

if (process.argv[2] === 'child') {
	child(process.argv[3]).catch((e: unknown) => {
		console.error(e);
		process.exit(1);
	});
} else {
	main();
}
