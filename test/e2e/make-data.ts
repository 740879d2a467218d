/**
 * The e2e's images: `node dist/test/e2e/make-data.js <dir>` writes `<dir>/shapes/<class>/…` (3 classes × 16) and
 * `<dir>/incoming/` (20 images to classify plus `broken.jpg`, a truncated JPEG that must become an error item).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { writeSyntheticDataset } from '../../lib';

async function main(dir: string): Promise<void> {
	const classes = await writeSyntheticDataset(path.join(dir, 'shapes'), {
		classes: 3,
		perClass: 16,
		size: 64,
		seed: 1,
	});
	const incoming = path.join(dir, 'incoming');
	await writeSyntheticDataset(path.join(dir, 'incoming-src'), {
		classes: 3,
		perClass: 7,
		size: 64,
		seed: 2,
	});
	await fs.mkdir(incoming, { recursive: true });
	let copied = 0;
	for (const c of classes) {
		for (const f of (await fs.readdir(path.join(dir, 'incoming-src', c))).sort()) {
			if (copied === 20) break;
			await fs.copyFile(path.join(dir, 'incoming-src', c, f), path.join(incoming, `${c}-${f}`));
			copied++;
		}
	}
	const aJpeg = (await fs.readdir(incoming)).find((f) => f.endsWith('.jpg'));
	if (!aJpeg) throw new Error('the synthetic set has no JPEG to truncate');
	const bytes = await fs.readFile(path.join(incoming, aJpeg));
	await fs.writeFile(
		path.join(incoming, 'broken.jpg'),
		bytes.subarray(0, Math.floor(bytes.length / 3)),
	);
	// The odd corpus (real broken and unusual files) dealt into two classes, padded with good images.
	const odd = path.join(dir, 'odd');
	const fixtures = path.resolve(__dirname, '../../../test/fixtures/odd-images');
	const oddFiles = (await fs.readdir(fixtures)).filter((f) => f !== 'README.md').sort();
	await writeSyntheticDataset(odd, { classes: 2, perClass: 12, size: 64, seed: 3 });
	const oddClasses = (await fs.readdir(odd)).sort();
	for (const [i, f] of oddFiles.entries())
		await fs.copyFile(path.join(fixtures, f), path.join(odd, oddClasses[i % 2], f));
	const nearDuplicates = await plantNearDuplicates(dir, classes);
	console.log(
		JSON.stringify({
			classes,
			nearDuplicates,
			shapes: path.join(dir, 'shapes'),
			incoming,
			images: copied,
			odd,
			oddFiles: oddFiles.length,
		}),
	);
}

/**
 * `<dir>/near-dups/`: three unseen images of each class, and for the first of each class a near-duplicate (JPEG at
 * quality 70, 2 px cut from two sides, scaled back), `copy-of-<name>.jpg`: what a re-upload does to an image.
 */
async function plantNearDuplicates(dir: string, classes: readonly string[]): Promise<number> {
	const out = path.join(dir, 'near-dups');
	await fs.mkdir(out, { recursive: true });
	let planted = 0;
	for (const c of classes) {
		const files = (await fs.readdir(path.join(dir, 'incoming-src', c))).sort().slice(-3);
		for (const [i, f] of files.entries()) {
			const name = `${c}-${path.parse(f).name}`;
			const source = path.join(dir, 'incoming-src', c, f);
			await sharp(source)
				.png()
				.toFile(path.join(out, `${name}.png`));
			if (i > 0) continue;
			const { width, height } = await sharp(source).metadata();
			await sharp(source)
				.extract({ left: 2, top: 2, width: width! - 2, height: height! - 2 })
				.resize(width!, height!)
				.jpeg({ quality: 70 })
				.toFile(path.join(out, `copy-of-${name}.jpg`));
			planted++;
		}
	}
	return planted;
}

main(process.argv[2] ?? '.cache/e2e/data').catch((error) => {
	console.error(error);
	process.exit(1);
});
