import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import {
	scanImageFolder,
	type ImageFolder,
	type Problem,
	type ProblemKind,
} from '../lib/data/dataset';
import { manifestFromFolder, type DatasetManifest } from '../lib/data/manifest';
import { manifestToTrainingData, trainingDataFromFolder } from '../lib/data/training-data';
import { FileError } from '../lib/errors';
import { classWarnings } from '../nodes/LoadImageDataset/summary';
import { tempDir } from './support/temp';

const CLI = path.join(__dirname, '../lib/cli/main.js');
let shade = 0;

/** `count` real PNGs in `dir`, each a different colour, so no two are copies of each other. */
async function writePngs(dir: string, count: number): Promise<string[]> {
	fs.mkdirSync(dir, { recursive: true });
	const files: string[] = [];
	for (let i = 0; i < count; i++) {
		shade++;
		const file = path.join(dir, `img-${i}.png`);
		await sharp({
			create: {
				width: 40,
				height: 40,
				channels: 3,
				background: { r: shade % 256, g: Math.floor(shade / 256) % 256, b: 77 },
			},
		})
			.png()
			.toFile(file);
		files.push(file);
	}
	return files;
}

/** A dataset folder with classes a and b, `perClass` images each. */
async function twoClasses(perClass = 6): Promise<string> {
	const root = path.join(tempDir('resnet18-scan-'), 'data');
	await writePngs(path.join(root, 'a'), perClass);
	await writePngs(path.join(root, 'b'), perClass);
	return root;
}

const kinds = (problems: readonly Problem[], kind: ProblemKind): Problem[] =>
	problems.filter((p) => p.kind === kind);

/** Every image once, under the class its real file lives in. */
function assertEachImageOnceUnderItsOwnClass(folder: ImageFolder, expected: number): void {
	const real = folder.samples.map((s) => fs.realpathSync(s.file));
	assert.equal(new Set(real).size, real.length, 'no image counted twice');
	assert.equal(folder.samples.length, expected);
	const realRoot = fs.realpathSync(folder.root);
	for (const [i, sample] of folder.samples.entries())
		assert.equal(
			path.relative(realRoot, real[i]).split(path.sep)[0],
			folder.classes[sample.label],
			`${sample.file} is labelled by the folder it really lives in`,
		);
}

function assertNoImageOnBothSides(manifest: DatasetManifest): void {
	const train = new Set(manifest.train.map((i) => fs.realpathSync(i.file)));
	const both = manifest.validation.filter((i) => train.has(fs.realpathSync(i.file)));
	assert.deepEqual(both, [], 'no image on both sides of the split');
}

function runCli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
	const result = spawnSync(process.execPath, [CLI, ...args], {
		encoding: 'utf8',
		env: { ...process.env, RESNET18_TEST_BACKEND: undefined },
		timeout: 120_000,
	});
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('a dataset folder with link loops', () => {
	it('a link to its own folder (a/self -> .): each image once, never on both sides of the split', async () => {
		const root = await twoClasses();
		fs.symlinkSync('.', path.join(root, 'a', 'self'));
		const folder = await scanImageFolder(root);
		assertEachImageOnceUnderItsOwnClass(folder, 12);
		const loops = kinds(folder.problems, 'link-loop');
		assert.deepEqual(
			loops.map((p) => p.file),
			[path.join(root, 'a', 'self')],
		);
		assert.equal(loops[0].kept, false);
		assert.match(loops[0].reason, /a loop\); not followed/);
		const manifest = await manifestFromFolder(root, { validationSplit: 0.5, seed: 3 });
		assert.equal(manifest.train.length + manifest.validation.length, 12);
		assertNoImageOnBothSides(manifest);
		assert.equal(manifest.report.filesLeftOut, 0, 'a loop loses no image');
	});

	it("a link to the dataset folder (a/up -> ..): b's images are never trained as a", async () => {
		const root = await twoClasses();
		fs.symlinkSync('..', path.join(root, 'a', 'up'));
		const folder = await scanImageFolder(root);
		assertEachImageOnceUnderItsOwnClass(folder, 12);
		assert.deepEqual(folder.counts, { a: 6, b: 6 });
		assert.deepEqual(
			kinds(folder.problems, 'link-loop').map((p) => p.file),
			[path.join(root, 'a', 'up')],
		);
	});

	it('both loops, nested in subfolders: the scan ends, each image once', async () => {
		const root = await twoClasses();
		const deep = path.join(root, 'b', 'x', 'y');
		await writePngs(deep, 2);
		fs.symlinkSync('.', path.join(root, 'a', 'self'));
		fs.symlinkSync('..', path.join(root, 'a', 'up'));
		fs.symlinkSync('../..', path.join(deep, 'back'));
		fs.symlinkSync('../../..', path.join(deep, 'root'));
		const folder = await scanImageFolder(root);
		assertEachImageOnceUnderItsOwnClass(folder, 14);
		assert.deepEqual(folder.counts, { a: 6, b: 8 });
		assert.deepEqual(
			kinds(folder.problems, 'link-loop')
				.map((p) => p.file)
				.sort(),
			[
				path.join(root, 'a', 'self'),
				path.join(root, 'a', 'up'),
				path.join(deep, 'back'),
				path.join(deep, 'root'),
			],
		);
		const manifest = await manifestFromFolder(root, { validationSplit: 0.25, seed: 1 });
		assertNoImageOnBothSides(manifest);
	});

	it('a second link to a folder or file already scanned counts it once, under the real path', async () => {
		const root = await twoClasses();
		const sub = path.join(root, 'a', 'sub');
		const [file] = await writePngs(sub, 1);
		fs.symlinkSync('sub', path.join(root, 'a', 'alias'));
		fs.symlinkSync(file, path.join(root, 'a', 'again.png'));
		const folder = await scanImageFolder(root);
		assertEachImageOnceUnderItsOwnClass(folder, 13);
		assert.ok(
			folder.samples.some((s) => s.file === file),
			'named by its own path',
		);
		const repeats = kinds(folder.problems, 'link-repeat');
		assert.deepEqual(repeats.map((p) => p.file).sort(), [
			path.join(root, 'a', 'again.png'),
			path.join(root, 'a', 'alias'),
		]);
		assert.ok(repeats.every((p) => !p.kept && p.reason.includes(sub)));
	});

	it('a link into another class is not followed: those images keep their own label', async () => {
		const root = await twoClasses();
		fs.symlinkSync(path.join(root, 'b'), path.join(root, 'a', 'bees'));
		fs.symlinkSync(path.join(root, 'b', 'img-0.png'), path.join(root, 'a', 'one-bee.png'));
		const folder = await scanImageFolder(root);
		assertEachImageOnceUnderItsOwnClass(folder, 12);
		assert.deepEqual(
			kinds(folder.problems, 'link-into-other-class')
				.map((p) => p.file)
				.sort(),
			[path.join(root, 'a', 'bees'), path.join(root, 'a', 'one-bee.png')],
		);
	});
});

describe('class folders that are links, hidden, or outside the dataset', () => {
	it('a link leaving the dataset folder is not followed, and is named (as a class or inside one)', async () => {
		const root = await twoClasses();
		const outside = path.join(path.dirname(root), 'elsewhere');
		await writePngs(path.join(outside, 'c'), 3);
		fs.symlinkSync(path.join(outside, 'c'), path.join(root, 'c'));
		fs.symlinkSync(outside, path.join(root, 'a', 'more'));
		const folder = await scanImageFolder(root);
		assert.deepEqual(folder.classes, ['a', 'b']);
		assertEachImageOnceUnderItsOwnClass(folder, 12);
		const escapes = kinds(folder.problems, 'link-outside-folder');
		assert.deepEqual(escapes.map((p) => p.file).sort(), [
			path.join(root, 'a', 'more'),
			path.join(root, 'c'),
		]);
		assert.ok(
			escapes.every((p) => !p.kept && /outside the dataset folder; not followed/.test(p.reason)),
		);
	});

	it('a symlinked class folder inside the dataset is a class; one aliasing another class is not', async () => {
		const root = await twoClasses();
		const pool = path.join(root, '.pool', 'dog');
		await writePngs(pool, 4);
		fs.symlinkSync(pool, path.join(root, 'dog'));
		fs.symlinkSync('a', path.join(root, 'kitty'));
		const folder = await scanImageFolder(root);
		assert.deepEqual(folder.classes, ['a', 'b', 'dog']);
		assert.deepEqual(folder.counts, { a: 6, b: 6, dog: 4 });
		assert.ok(
			folder.samples
				.filter((s) => folder.classes[s.label] === 'dog')
				.every((s) => path.dirname(s.file) === path.join(root, 'dog')),
			'named through the link, as the user sees them',
		);
		const alias = kinds(folder.problems, 'link-repeat');
		assert.deepEqual(
			alias.map((p) => p.file),
			[path.join(root, 'kitty')],
		);
		assert.match(alias[0].reason, /not a class, so no image is counted twice/);
	});

	it('a hidden class folder is reported, naming it; OS litter is not', async () => {
		const root = await twoClasses();
		await writePngs(path.join(root, '.secret'), 2);
		await writePngs(path.join(root, 'b', '.thumbs'), 2);
		fs.mkdirSync(path.join(root, '.git'));
		fs.mkdirSync(path.join(root, '__MACOSX'));
		const folder = await scanImageFolder(root);
		assert.deepEqual(folder.classes, ['a', 'b']);
		assert.equal(folder.samples.length, 12);
		const hidden = kinds(folder.problems, 'hidden-folder');
		assert.deepEqual(hidden.map((p) => p.file).sort(), [
			path.join(root, '.secret'),
			path.join(root, 'b', '.thumbs'),
		]);
		assert.ok(hidden.every((p) => !p.kept && /hidden folder/.test(p.reason)));
		assert.ok(!folder.problems.some((p) => /\.git$|__MACOSX$/.test(p.file)));
	});
});

describe('class names in two Unicode forms', () => {
	const nfc = 'caf\u00e9';
	const nfd = 'cafe\u0301';

	it('are one class name (NFC), whichever form the folder is written in', async () => {
		const root = path.join(tempDir('resnet18-scan-'), 'data');
		await writePngs(path.join(root, nfd), 2);
		await writePngs(path.join(root, 'tea'), 2);
		const folder = await scanImageFolder(root);
		assert.deepEqual(folder.classes, [nfc, 'tea']);
		assert.equal(folder.counts[nfc], 2);
	});

	it('collide when both exist: a FileError naming both folders', async () => {
		const root = path.join(tempDir('resnet18-scan-'), 'data');
		await writePngs(path.join(root, nfc), 2);
		await writePngs(path.join(root, nfd), 2);
		await writePngs(path.join(root, 'tea'), 2);
		await assert.rejects(scanImageFolder(root), (e: unknown) => {
			assert.ok(e instanceof FileError, String(e));
			assert.equal(e.file, root);
			assert.ok(e.message.includes(path.join(root, nfc)), e.message);
			assert.ok(e.message.includes(path.join(root, nfd)), e.message);
			// Printed alike, so the message spells out the code points that differ.
			assert.ok(e.message.includes('caf\\u{00e9}') && e.message.includes('cafe\\u{0301}'));
			assert.match(e.message, /same name .* once Unicode-normalised \(NFC\); rename or merge one/);
			return true;
		});
	});
});

describe('an empty class folder', () => {
	it('is reported, naming the folder, and Load Image Dataset warns of it', async () => {
		const root = await twoClasses();
		fs.mkdirSync(path.join(root, 'c'));
		fs.writeFileSync(path.join(root, 'c', 'notes.txt'), 'no images here');
		const manifest = await manifestFromFolder(root, { validationSplit: 0.2, seed: 1 });
		assert.deepEqual(manifest.classes, ['a', 'b', 'c']);
		const empty = kinds(manifest.problems, 'empty-class');
		assert.equal(empty.length, 1);
		assert.equal(empty[0].file, path.join(root, 'c'));
		assert.equal(empty[0].kept, true);
		assert.match(empty[0].reason, /class "c" has no usable image/);
		assert.ok(
			!manifest.problems.some((p) => p.kind === 'class-too-small' && p.file === 'c'),
			'said once',
		);
		assert.deepEqual(classWarnings(manifest), [`${path.join(root, 'c')}: ${empty[0].reason}`]);
		// Two classes still have images: training may go ahead.
		assert.equal(manifestToTrainingData(manifest).classes.length, 3);
	});

	it('is a warning from `resnet18 dataset`', async () => {
		const root = await twoClasses(3);
		fs.mkdirSync(path.join(root, 'c'));
		const { code, stdout, stderr } = runCli('dataset', root);
		assert.equal(code, 0, stderr);
		assert.ok(
			stderr.includes(`warning ${path.join(root, 'c')}: class "c" has no usable image`),
			stderr,
		);
		const problems = (JSON.parse(stdout) as DatasetManifest).problems;
		assert.ok(problems.some((p) => p.kind === 'empty-class' && p.file === path.join(root, 'c')));
	});

	it('leaving fewer than 2 classes with images, training is refused naming the folder (library and `resnet18 train`)', async () => {
		const root = path.join(tempDir('resnet18-scan-'), 'data');
		await writePngs(path.join(root, 'a'), 4);
		fs.mkdirSync(path.join(root, 'b'));
		const refused = (e: unknown) => {
			assert.ok(e instanceof FileError, String(e));
			assert.equal(e.file, root);
			assert.match(
				e.message,
				/training needs images in at least 2 class folders, found only "a"; no training image in .*\/b; add images/,
			);
			return true;
		};
		await assert.rejects(trainingDataFromFolder(root), refused);
		assert.throws(() => manifestToTrainingData(manifestJson(root)), refused);

		const out = path.join(path.dirname(root), 'model.safetensors');
		const { code, stderr } = runCli('train', root, '--out', out, '--epochs', '1');
		assert.notEqual(code, 0);
		assert.ok(
			stderr.includes(`warning ${path.join(root, 'b')}: class "b" has no usable image`),
			stderr,
		);
		assert.match(stderr, /training needs images in at least 2 class folders.*\/b/);
		assert.ok(!fs.existsSync(out), 'no model written');
	});

	it('with no class left with images, says so', async () => {
		const root = path.join(tempDir('resnet18-scan-'), 'data');
		fs.mkdirSync(path.join(root, 'a'), { recursive: true });
		fs.mkdirSync(path.join(root, 'b'));
		await assert.rejects(
			trainingDataFromFolder(root),
			(e: unknown) =>
				e instanceof FileError &&
				e.file === root &&
				/found none; no training image in .*\/a, .*\/b/.test(e.message),
		);
	});
});

/** The same refusal from a manifest passed between nodes (here read back from its JSON). */
function manifestJson(root: string): DatasetManifest {
	return JSON.parse(
		JSON.stringify({
			kind: 'resnet18-dataset',
			version: 1,
			source: root,
			classes: ['a', 'b'],
			train: [{ file: path.join(root, 'a', 'img-0.png'), label: 'a' }],
			validation: [],
			problems: [
				{
					file: path.join(root, 'b'),
					reason: 'class "b" has no usable image',
					kind: 'empty-class',
					kept: true,
				},
			],
		}),
	) as DatasetManifest;
}
