import { beforeAll, describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { FileError, InvalidParameterError } from '../../lib/errors';
import { scanImageFolder, type ImageFolder } from '../../lib/data/dataset';
import { isInside, isLitter } from '../../lib/data/scan-paths';
import { tempDir } from '../support/temp';
import { FuzzTally, outcomeName, RUNS } from './fuzz-support';

/** Trees are built on disk, so this target takes its inputs in fewer, larger steps than the in-memory ones. */
const SCAN_RUNS = Number(process.env.RESNET18_FUZZ_SCAN_RUNS ?? RUNS);

type LinkTarget =
	| 'self'
	| 'parent'
	| 'root'
	| 'other-class'
	| 'other-class-file'
	| 'own-class-file'
	| 'hidden-file'
	| 'hidden-folder'
	| 'outside-folder'
	| 'outside-file'
	| 'missing';

type Entry =
	| { kind: 'image'; name: string; content: number }
	| { kind: 'broken'; name: string }
	| { kind: 'text'; name: string }
	| { kind: 'folder'; name: string; entries: Entry[] }
	| { kind: 'link'; name: string; to: LinkTarget };

interface Tree {
	classes: { name: string; entries: Entry[] }[];
	/** Links beside the class folders: maybe classes, maybe loops or escapes. */
	topLinks: { name: string; to: LinkTarget }[];
}

// Both spellings of café (NFC, NFD), a hidden folder, a name with a space.
const CLASS_NAME = fc.constantFrom(
	'cat',
	'dog',
	'caf\u00e9',
	'cafe\u0301',
	'.hidden',
	'b c',
	'Zebra',
);
const FILE_NAME = fc.constantFrom(
	'a',
	'b',
	'caf\u00e9',
	'cafe\u0301',
	'.dot',
	'Thumbs.db',
	'.DS_Store',
	'x y',
);
const IMAGE_EXT = fc.constantFrom('.png', '.PNG', '.jpg', '.webp', '');
const LINK_TARGET = fc.constantFrom<LinkTarget>(
	'self',
	'parent',
	'root',
	'other-class',
	'other-class-file',
	'own-class-file',
	'hidden-file',
	'hidden-folder',
	'outside-folder',
	'outside-file',
	'missing',
);

const leaf: fc.Arbitrary<Entry> = fc.oneof(
	{
		arbitrary: fc
			.tuple(FILE_NAME, IMAGE_EXT, fc.nat(3))
			.map(([n, ext, content]) => ({ kind: 'image' as const, name: n + ext, content })),
		weight: 4,
	},
	fc.tuple(FILE_NAME, IMAGE_EXT).map(([n, ext]) => ({ kind: 'broken' as const, name: n + ext })),
	FILE_NAME.map((n) => ({ kind: 'text' as const, name: `${n}.txt` })),
	{
		arbitrary: fc
			.tuple(FILE_NAME, IMAGE_EXT, LINK_TARGET)
			.map(([n, ext, to]) => ({ kind: 'link' as const, name: `l-${n}${ext}`, to })),
		weight: 2,
	},
);
const entry: fc.Arbitrary<Entry> = fc.oneof(
	{ arbitrary: leaf, weight: 4 },
	fc
		.tuple(FILE_NAME, fc.array(leaf, { maxLength: 3 }))
		.map(([n, entries]) => ({ kind: 'folder' as const, name: `d-${n}`, entries })),
);
const tree: fc.Arbitrary<Tree> = fc.record({
	classes: fc.array(fc.record({ name: CLASS_NAME, entries: fc.array(entry, { maxLength: 4 }) }), {
		minLength: 1,
		maxLength: 4,
	}),
	topLinks: fc.array(
		fc.record({ name: fc.constantFrom('link-a', 'link-b', '.link'), to: LINK_TARGET }),
		{ maxLength: 2 },
	),
});

let IMAGES: Buffer[] = [];

async function write(file: string, data: Buffer | string): Promise<void> {
	// A generated name may repeat in one folder: the first one stands, as on a real disk.
	await fs.writeFile(file, data, { flag: 'wx' }).catch(() => undefined);
}

/** Lays the tree out under `run/root`, with `run/outside` as the world outside the dataset. */
async function build(run: string, t: Tree): Promise<string> {
	const root = path.join(run, 'root');
	const outside = path.join(run, 'outside');
	await fs.mkdir(path.join(outside, 'folder'), { recursive: true });
	await fs.writeFile(path.join(outside, 'folder', 'o.png'), IMAGES[0]!);
	await fs.writeFile(path.join(outside, 'o.png'), IMAGES[1]!);
	await fs.mkdir(path.join(root, '.stash'), { recursive: true });
	await fs.writeFile(path.join(root, '.stash', 's.png'), IMAGES[2]!);
	const classDirs = t.classes.map((c) => path.join(root, c.name));
	for (const dir of classDirs) await fs.mkdir(dir, { recursive: true });
	// Links to files point at an image the tree does have, where it has one.
	const imageOf = (i: number): string =>
		t.classes[i]?.entries.find((e) => e.kind === 'image')?.name ?? 'a.png';
	const targetOf = (to: LinkTarget, here: string, index: number): string => {
		const otherIndex = (index + 1) % classDirs.length;
		const other = classDirs[otherIndex]!;
		switch (to) {
			case 'self':
				return '.';
			case 'parent':
				return '..';
			case 'root':
				return path.relative(here, root) || '.';
			case 'other-class':
				return other;
			case 'other-class-file':
				return path.join(other, imageOf(otherIndex));
			case 'own-class-file':
				return path.join(classDirs[index % classDirs.length]!, imageOf(index % classDirs.length));
			case 'hidden-file':
				return path.join(root, '.stash', 's.png');
			case 'hidden-folder':
				return path.join(root, '.stash');
			case 'outside-folder':
				return path.join(outside, 'folder');
			case 'outside-file':
				return path.join(outside, 'o.png');
			case 'missing':
				return path.join(run, 'missing');
		}
	};
	const lay = async (dir: string, entries: Entry[], index: number): Promise<void> => {
		for (const e of entries) {
			const file = path.join(dir, e.name);
			if (e.kind === 'image') await write(file, IMAGES[e.content]!);
			else if (e.kind === 'broken') await write(file, 'not an image at all');
			else if (e.kind === 'text') await write(file, 'notes');
			else if (e.kind === 'link')
				await fs.symlink(targetOf(e.to, dir, index), file).catch(() => undefined);
			else {
				await fs.mkdir(file, { recursive: true });
				await lay(file, e.entries, index);
			}
		}
	};
	for (const [i, c] of t.classes.entries()) await lay(classDirs[i]!, c.entries, i);
	for (const [i, l] of t.topLinks.entries())
		await fs.symlink(targetOf(l.to, root, i), path.join(root, l.name)).catch(() => undefined);
	return root;
}

/**
 * What must be accounted for: every regular file in a real, non-hidden class folder (links not followed), which the
 * scan must either count or report (or report a folder holding it).
 */
async function filesToAccountFor(root: string): Promise<string[]> {
	const out: string[] = [];
	const walk = async (dir: string, depth: number): Promise<void> => {
		for (const e of await fs.readdir(dir, { withFileTypes: true })) {
			if (e.name.startsWith('.') || isLitter(e.name)) continue;
			const file = path.join(dir, e.name);
			if (e.isDirectory()) await walk(file, depth + 1);
			else if (e.isFile() && depth >= 1) out.push(file);
		}
	};
	await walk(root, 0);
	return out;
}

async function real(file: string): Promise<string | undefined> {
	return fs.realpath(file).catch(() => undefined);
}

async function checkScan(root: string, folder: ImageFolder): Promise<void> {
	const realRoot = (await real(root))!;
	assert.equal(new Set(folder.classes).size, folder.classes.length, 'class names are unique');
	for (const c of folder.classes) assert.equal(c, c.normalize('NFC'), `class ${c} is NFC`);
	const all = [...folder.samples, ...(folder.explicitValidation ?? [])];
	const seen = new Map<string, string>();
	for (const s of all) {
		assert.ok(s.label >= 0 && s.label < folder.classes.length, `label of ${s.file}`);
		const r = await real(s.file);
		assert.ok(r !== undefined && isInside(realRoot, r), `${s.file} is inside the dataset folder`);
		assert.ok(!seen.has(r), `${r} counted twice: as ${seen.get(r)} and ${s.file}`);
		seen.set(r, s.file);
	}
	const reported = (await Promise.all(folder.problems.map((p) => real(p.file)))).filter(
		(r): r is string => r !== undefined,
	);
	const listedProblems = folder.problems.map((p) => p.file);
	for (const file of await filesToAccountFor(root)) {
		const r = (await real(file))!;
		const covered =
			seen.has(r) ||
			listedProblems.some((p) => p === file || isInside(p, file)) ||
			reported.some((p) => isInside(p, r));
		assert.ok(covered, `${file} is neither counted nor reported`);
	}
}

describe('fuzz: the dataset scanner on generated folder trees (links, loops, escapes, Unicode names)', () => {
	let base: string;
	beforeAll(async () => {
		base = tempDir('resnet18-fuzz-scan-');
		IMAGES = await Promise.all(
			[
				[200, 30, 30],
				[30, 200, 30],
				[30, 30, 200],
				[120, 120, 40],
			].map(([r, g, b]) =>
				sharp({
					create: { width: 40, height: 40, channels: 3, background: { r: r!, g: g!, b: b! } },
				})
					.png()
					.toBuffer(),
			),
		);
	});

	it(`scans each of ${SCAN_RUNS} trees to a set of real files inside the folder, each counted once or reported`, async () => {
		const tally = new FuzzTally('dataset scanner');
		let n = 0;
		await fc.assert(
			fc.asyncProperty(tree, async (t) => {
				const run = path.join(base, String(n++));
				const root = await build(run, t);
				let outcome: ImageFolder | Error;
				try {
					outcome = await scanImageFolder(root);
				} catch (error) {
					if (!(error instanceof FileError || error instanceof InvalidParameterError)) throw error;
					outcome = error;
				}
				tally.run(
					0,
					() => outcome,
					(o) => (o instanceof Error ? outcomeName(o) : 'scanned'),
				);
				if (outcome instanceof FileError) {
					// The only refusals a tree of folders can earn: nothing to scan, or two spellings of one name.
					assert.match(outcome.message, /no class subfolders|Unicode-normalised/);
				} else if (!(outcome instanceof Error)) await checkScan(root, outcome);
				await fs.rm(run, { recursive: true, force: true });
			}),
			{ seed: 1205, numRuns: SCAN_RUNS },
		);
		console.log(tally.report());
		assert.ok(tally.count('scanned') > SCAN_RUNS / 2, 'most trees scan');
	}, 900_000);
});
