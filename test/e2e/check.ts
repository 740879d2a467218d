/**
 * Assertions on what a real n8n produced, for e2e.sh: `node dist/test/e2e/check.js <check> <file> [args…]`.
 * Each check prints what it saw and exits non-zero with the reason when the output is not what a user must get.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGENET_CLASSES } from '../../lib/weights/imagenet-classes';

interface Item {
	json: Record<string, unknown>;
	binary?: Record<string, { fileName?: string; mimeType?: string; fileSize?: string; id?: string }>;
}
interface Run {
	executionStatus?: string;
	error?: { message?: string };
	data?: { main?: Item[][] };
}
interface Execution {
	data: {
		resultData: {
			error?: { message?: string; description?: string };
			runData: Record<string, Run[]>;
		};
	};
}

function readJson<T>(file: string): T {
	return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function items(execution: Execution, node: string, output = 0): Item[] {
	const runs = execution.data.resultData.runData[node];
	assert.ok(
		runs?.length,
		`node "${node}" did not run (ran: ${Object.keys(execution.data.resultData.runData).join(', ')})`,
	);
	return runs[0].data?.main?.[output] ?? [];
}

/**
 * One answer to "which epoch is the model": what Train reports (and gates publishing on) is the saved epoch's
 * validation score, so it counts exactly the images Evaluate finds right on the saved file, on the same split.
 */
function savedEpochAgrees(run: Execution): string {
	const trained = items(run, 'Train ResNet-18')[0];
	const evaluation = items(run, 'Evaluate ResNet-18')[0].json;
	const validationImages = Number(trained.json.validationImages);
	assert.equal(validationImages, evaluation.count, 'Train and Evaluate use the same split');
	const history = trained.json.history as { epoch: number; validationAccuracy?: number }[];
	const saved = history.find((h) => h.epoch === trained.json.savedEpoch);
	assert.ok(saved, `savedEpoch ${String(trained.json.savedEpoch)} is in the history`);
	assert.equal(trained.json.validationAccuracy, saved.validationAccuracy);
	const correct = (share: unknown) => Math.round(Number(share) * validationImages);
	assert.equal(
		correct(trained.json.validationAccuracy),
		correct(evaluation.accuracy),
		`Train's validationAccuracy ${String(trained.json.validationAccuracy)} counts what Evaluate counts (${String(evaluation.accuracy)})`,
	);
	const last = history[history.length - 1];
	return `saved epoch ${saved.epoch} of ${last.epoch}${saved.epoch < last.epoch ? ` (restored; the last validated ${correct(last.validationAccuracy)}/${validationImages})` : ''}: ${correct(trained.json.validationAccuracy)}/${validationImages} right in Train, ${correct(evaluation.accuracy)}/${validationImages} in Evaluate on the saved file`;
}

type Json = Record<string, unknown>;
const asJson = (value: unknown) => value as Json;

/** Evaluate's test-time augmentation figures: accuracy with it = without + fixed − broken, and it costs time. */
function ttaAgrees(evaluation: Json): string {
	const tta = asJson(evaluation.testTimeAugmentation);
	const views = tta.views as string[];
	assert.equal(views[0], 'original');
	assert.ok(views.length >= 2, 'at least one view beside the original');
	assert.equal(tta.accuracyWithout, evaluation.accuracy);
	const count = Number(evaluation.count);
	const right = (share: unknown) => Math.round(Number(share) * count);
	assert.equal(
		right(tta.accuracy),
		right(tta.accuracyWithout) + Number(tta.fixed) - Number(tta.broken),
	);
	assert.ok(
		Number(tta.msPerImage) > Number(tta.msPerImageWithout),
		'more views cost more than one',
	);
	return `TTA over ${views.join(' + ')} ${right(tta.accuracy)}/${count} vs ${right(tta.accuracyWithout)}/${count} without (fixed ${String(tta.fixed)}, broke ${String(tta.broken)}; ${Number(tta.msPerImage).toFixed(1)} vs ${Number(tta.msPerImageWithout).toFixed(1)} ms/image)`;
}

const checks: Record<string, (file: string, ...args: string[]) => string> = {
	/** Workflow (a): Load → Train → Evaluate on the generated folder; its pictures are copied to `artifacts`. */
	'train-evaluate'(file, classCount, n8nFolder, artifacts) {
		const run = readJson<Execution>(file);
		const manifest = items(run, 'Load Image Dataset')[0].json;
		assert.equal(manifest.kind, 'resnet18-dataset');
		assert.equal((manifest.classes as string[]).length, Number(classCount));
		const trained = items(run, 'Train ResNet-18')[0];
		const model = asJson(trained.json.model);
		assert.equal(model.version, 1, 'first training run saves version 1');
		assert.ok(fs.statSync(String(model.file)).size > 40e6, 'model file on disk (~45 MB)');
		assert.equal((trained.json.history as unknown[]).length, 3, 'one history record per epoch');
		assert.ok(trained.binary?.model, 'model attached as binary property "model"');
		assert.equal(trained.binary?.curves?.mimeType, 'image/png', 'training curves as a PNG');
		assert.match(String(asJson(trained.json.backend).summary), /Compute backend: /);
		const evaluation = items(run, 'Evaluate ResNet-18')[0].json;
		assert.equal(
			evaluation.count,
			(manifest.validation as unknown[]).length,
			'evaluated every validation image',
		);
		const accuracy = Number(evaluation.accuracy);
		assert.ok(accuracy >= 0 && accuracy <= 1);
		// Issue 15: the run's dataset snapshot, and Evaluate knowing it scored the model's own validation split.
		assert.match(String(trained.json.datasetSnapshot), /^ds-[0-9a-f]{24}$/);
		const split = asJson(evaluation.split);
		assert.equal(split.split, trained.json.validationSplit);
		assert.equal(split.sameAsValidation, true, String(split.note));
		const saved = savedEpochAgrees(run);
		// Issue 15: no ImageNet weights are cached yet, and the kNN baseline says so; TTA is measured beside.
		const knn = asJson(evaluation.knnBaseline);
		assert.equal(knn.status, 'missing', String(knn.note));
		assert.match(String(knn.note), /resnet18-f37072fd\.pth/);
		const tta = ttaAgrees(evaluation);
		const matrix = asJson(evaluation.confusionMatrix).matrix as number[][];
		assert.equal(
			matrix.flat().reduce((a, b) => a + b, 0),
			evaluation.count,
			'confusion matrix counts every image',
		);
		assert.equal((evaluation.perClass as unknown[]).length, Number(classCount));
		const pictures = items(run, 'Evaluate ResNet-18')[0].binary ?? {};
		for (const picture of ['confusionMatrix', 'perClass', 'calibration'])
			assert.equal(pictures[picture]?.mimeType, 'image/png', `${picture} as a PNG`);
		assert.ok(Number(asJson(evaluation.calibration).ece) >= 0);
		const copied =
			n8nFolder && artifacts
				? copyPictures(n8nFolder, artifacts, { curves: trained.binary?.curves, ...pictures })
				: [];
		return `dataset ${(manifest.train as unknown[]).length}+${(manifest.validation as unknown[]).length} images, snapshot ${String(trained.json.datasetSnapshot)}; model v${model.version} ${model.bytes} bytes; ${saved}; ${tta}; kNN baseline: "${String(knn.note)}"; train ${Number(trained.json.seconds).toFixed(1)} s; pictures copied: ${copied.join(', ') || 'none'}`;
	},
	/**
	 * Issue 15 after the ImageNet step: Evaluate's kNN baseline on the cached ImageNet-format body (the mirror's seeded
	 * stand-in: the published weights cannot be downloaded here) and its TTA figures; Classify Image's Grad-CAM heatmap
	 * of every image (PNG binary and JSON map), copied to `artifacts`.
	 */
	explain(file, imageCount, n8nFolder, artifacts) {
		const run = readJson<Execution>(file);
		const evaluated = items(run, 'Evaluate ResNet-18')[0];
		const evaluation = evaluated.json;
		const knn = asJson(evaluation.knnBaseline);
		assert.equal(knn.status, 'computed', String(knn.note));
		assert.equal(
			knn.references,
			'leave-one-out',
			'a folder has no training split: every other image votes',
		);
		assert.equal(knn.count, evaluation.count, 'the baseline scores the same images');
		const knnAccuracy = Number(knn.accuracy);
		assert.ok(knnAccuracy >= 0 && knnAccuracy <= 1);
		assert.equal(
			Math.round(knnAccuracy * Number(knn.count)),
			knn.correct,
			'accuracy is correct / count',
		);
		const tta = ttaAgrees(evaluation);
		const classified = items(run, 'Classify Image');
		assert.equal(classified.length, Number(imageCount), 'every image classified');
		const heatmaps: Record<string, { id?: string; mimeType?: string }> = {};
		for (const item of classified) {
			const heatmap = item.binary?.gradCam;
			assert.equal(heatmap?.mimeType, 'image/png', 'a Grad-CAM PNG per image');
			assert.match(String(heatmap?.fileName), /\.gradcam\.png$/);
			const cam = asJson(item.json.gradCam);
			assert.equal(cam.label, item.json.label, 'the heatmap is of the top class');
			const map = cam.map as number[];
			assert.equal(map.length, Number(cam.height) * Number(cam.width));
			assert.ok(
				map.every((v) => v >= 0 && v <= 1) && Math.max(...map) === 1,
				'peak-normalised map',
			);
			assert.ok(Array.isArray(asJson(item.json.testTimeAugmentation).views), 'the views averaged');
			heatmaps[String(heatmap?.fileName).replace(/\.png$/, '')] = heatmap!;
		}
		const mistakes = evaluated.binary?.mistakes;
		const copied = copyPictures(n8nFolder, artifacts, {
			...heatmaps,
			...(mistakes ? { mistakes } : {}),
		});
		assert.equal(
			copied.length,
			classified.length + (mistakes ? 1 : 0),
			'every heatmap reached the artifacts',
		);
		return `kNN baseline ${(knnAccuracy * 100).toFixed(1)} % (${String(knn.correct)}/${String(knn.count)}, k=${String(knn.k)}, ${String(knn.references)}, ${Number(knn.seconds).toFixed(1)} s) vs the fine-tuned model ${(Number(evaluation.accuracy) * 100).toFixed(1)} % on ${String(evaluation.count)} images; ${tta}; ${classified.length} Grad-CAM heatmaps (${String(asJson(classified[0].json.gradCam).height)}×${String(asJson(classified[0].json.gradCam).width)} maps) copied to ${artifacts}`;
	},
	/**
	 * Issue 15: Classify Image's embeddings, compared by a Code node in the same run, pair every planted near-duplicate
	 * (`copy-of-<name>.jpg`) with its original, both ways.
	 */
	'near-duplicates'(file, planted) {
		const run = readJson<Execution>(file);
		const found = items(run, 'Nearest Image').map(
			(i) => i.json as { file: string; nearest: string; score: number },
		);
		const copies = found.filter((f) => f.file.startsWith('copy-of-'));
		assert.equal(copies.length, Number(planted), 'every planted copy was classified');
		for (const copy of copies) {
			const original = copy.file.replace(/^copy-of-/, '').replace(/\.jpg$/, '.png');
			assert.equal(copy.nearest, original, `${copy.file}'s nearest image`);
			assert.equal(
				found.find((f) => f.file === original)?.nearest,
				copy.file,
				`${original}'s nearest image`,
			);
		}
		const others = found.filter(
			(f) => !f.file.startsWith('copy-of-') && !copies.some((c) => c.nearest === f.file),
		);
		const worstPair = Math.min(...copies.map((c) => c.score));
		const bestOther = Math.max(...others.map((o) => o.score));
		return `${copies.length} planted near-duplicates among ${found.length} images, each pair the other's nearest (lowest pair score ${worstPair.toFixed(4)}, highest other ${bestOther.toFixed(4)})`;
	},
	/** Train's reported score is the saved file's, also when Keep Best restored an earlier epoch (the odd corpus). */
	'saved-epoch'(file) {
		const run = readJson<Execution>(file);
		const agrees = savedEpochAgrees(run);
		// Issue 14: Train's Also Save kept a float16 copy; Evaluate's Compare With scored it on the same images.
		const evaluation = items(run, 'Evaluate ResNet-18')[0].json;
		const rows = evaluation.precisions as {
			precision: string;
			accuracy: number;
			bytes: number;
			count: number;
			msPerImage: number;
		}[];
		assert.deepEqual(
			rows.map((r) => r.precision),
			['float32', 'float16'],
			'float32 and float16 side by side',
		);
		assert.equal(rows[0].accuracy, evaluation.accuracy);
		assert.equal(rows[1].count, evaluation.count);
		assert.ok(rows[1].bytes < rows[0].bytes * 0.51, 'float16 is half the bytes');
		// Binary16 rounding may tip one borderline image of the small validation split, not more.
		assert.ok(Math.abs(rows[1].accuracy - rows[0].accuracy) * rows[0].count <= 1 + 1e-9);
		const table = rows
			.map(
				(r) =>
					`${r.precision} ${(r.accuracy * 100).toFixed(1)} % ${(r.bytes / 1e6).toFixed(1)} MB ${r.msPerImage.toFixed(1)} ms/image`,
			)
			.join(' | ');
		return `${agrees}; ${table}`;
	},
	/** An expression that bypasses the editor's range must stop the run, naming the parameter. */
	'refused-parameter'(file, parameter) {
		const text = fs.readFileSync(file, 'utf8');
		// A failed `n8n execute` prints the run JSON, then the error again as text.
		const start = text.indexOf('{');
		const end = text.lastIndexOf('\n}');
		assert.ok(start >= 0 && end > start, `no execution JSON in the output: ${text.slice(0, 300)}`);
		const run = JSON.parse(text.slice(start, end + 2)) as Execution;
		const message = `${run.data.resultData.error?.message ?? ''} ${run.data.resultData.error?.description ?? ''}`;
		assert.match(
			message,
			new RegExp(`"${parameter}"`),
			`error must name "${parameter}": ${message}`,
		);
		return message.trim();
	},
	/** Images as binary items: stored once in the content store, labelled by expression, split, trained on. */
	'binary-items'(file, imageCount, storeDir) {
		const run = readJson<Execution>(file);
		const manifest = items(run, 'Load Image Dataset')[0].json;
		const images = [
			...(manifest.train as { file: string }[]),
			...(manifest.validation as { file: string }[]),
		];
		assert.deepEqual(manifest.classes, ['circle', 'square', 'triangle']);
		assert.equal(images.length, Number(imageCount));
		for (const image of images) {
			assert.ok(
				image.file.startsWith(storeDir) && /[0-9a-f]{64}\.png$/.test(image.file),
				`${image.file} is in the content store`,
			);
			assert.ok(fs.existsSync(image.file));
		}
		assert.ok(JSON.stringify(manifest).length < 100_000, 'the manifest holds paths, not pixels');
		const report = items(run, 'Train ResNet-18')[0].json;
		assert.equal(asJson(report.model).version, 1);
		return `${images.length} images from binary items → ${(manifest.classes as string[]).join(', ')}; trained v1`;
	},
	/** The odd corpus through Load Image Dataset: every bad file named in the problems, training on the rest runs. */
	'odd-corpus'(file, badCsv) {
		const run = readJson<Execution>(file);
		const manifest = items(run, 'Load Image Dataset')[0].json;
		const problems = manifest.problems as {
			file: string;
			reason: string;
			kind: string;
			kept: boolean;
		}[];
		const used = new Set(
			[
				...(manifest.train as { file: string }[]),
				...(manifest.validation as { file: string }[]),
			].map((i) => path.basename(i.file)),
		);
		for (const bad of badCsv.split(',')) {
			const problem = problems.find((p) => path.basename(p.file) === bad && !p.kept);
			assert.ok(problem, `${bad} is named in the problems`);
			assert.ok(!used.has(bad), `${bad} is not trained on`);
		}
		const trained = items(run, 'Train ResNet-18')[0].json;
		assert.equal(
			trained.trainImages,
			(manifest.train as unknown[]).length,
			'training ran on the good files',
		);
		const left = problems.filter((p) => !p.kept).length;
		return `${used.size} images used, ${left} files left out with reasons, ${problems.length - left} warnings; trained ${String(trained.trainImages)} images`;
	},
	/** Workflow (c): the retrain saves a new version and moves LIVE only when the gate passes. */
	retrain(file, modelsDir) {
		const run = readJson<Execution>(file);
		const report = items(run, 'Train ResNet-18')[0].json;
		const model = asJson(report.model);
		assert.equal(model.version, 2, 'the retrain is version 2');
		const live = fs.readFileSync(path.join(modelsDir, 'shapes', 'LIVE'), 'utf8').trim();
		const accuracy = Number(report.validationAccuracy);
		assert.equal(model.published, accuracy >= 0.6, 'published exactly when accuracy ≥ 0.6');
		assert.equal(live, model.published ? 'v0002' : 'v0001', 'LIVE names the published version');
		const branch = model.published ? 'New Version Live' : 'Previous Version Kept';
		assert.equal(
			items(run, 'Published?', model.published ? 0 : 1).length,
			1,
			`If routes to "${branch}"`,
		);
		return `v2 accuracy ${accuracy.toFixed(3)} → ${model.publishReason}; LIVE=${live}`;
	},
	/** Classify a folder: every good image labelled, the broken one an error item naming it. */
	'classify-folder'(file, goodCount, brokenName) {
		const run = readJson<Execution>(file);
		const out = items(run, 'Classify Image');
		const errors = out.filter((i) => i.json.error !== undefined);
		const good = out.filter((i) => i.json.error === undefined);
		assert.equal(good.length, Number(goodCount), 'every readable image is classified');
		assert.equal(errors.length, 1, 'exactly one error item');
		assert.match(
			String(errors[0].json.error),
			new RegExp(brokenName),
			'the error names the broken file',
		);
		for (const i of good) {
			assert.ok(typeof i.json.label === 'string' && Number(i.json.confidence) > 0);
			assert.equal((i.json.topK as unknown[]).length, 3);
			assert.ok(i.binary?.data, 'the item keeps its image');
		}
		return `${good.length} classified, error item: ${String(errors[0].json.error)}`;
	},
	/**
	 * One bad item among good ones (Continue On Fail): Evaluate's batch size is 0 and Classify Image's model file is
	 * broken for item 1 only. That item names the parameter and its range, or the file; every other item goes on.
	 */
	'bad-items'(file, itemCount, imageCount, brokenModel) {
		const run = readJson<Execution>(file);
		assert.equal(run.data.resultData.error, undefined, 'the run finished without an error');
		const evaluated = items(run, 'Evaluate ResNet-18');
		const classified = items(run, 'Classify Image');
		assert.equal(evaluated.length, Number(itemCount), 'one Evaluate output per item');
		assert.equal(classified.length, Number(itemCount), 'one Classify Image output per item');
		const bad = evaluated[1].json;
		assert.equal(bad.parameter, 'batchSize', JSON.stringify(bad));
		assert.match(String(bad.error), /"batchSize".*between 1 and 128.*got 0/);
		const good = evaluated.filter((_, i) => i !== 1).map((i) => i.json);
		for (const g of good) {
			assert.equal(g.error, undefined, String(g.error));
			assert.equal(g.count, Number(imageCount), 'every image of the folder is scored');
			assert.ok(
				Number(g.accuracy) >= 0 && Number(g.accuracy) <= 1,
				`accuracy ${String(g.accuracy)}`,
			);
		}
		const broken = classified[1].json;
		assert.ok(
			String(broken.file).endsWith(brokenModel),
			`the item names the file: ${JSON.stringify(broken)}`,
		);
		assert.match(String(broken.error), new RegExp(brokenModel.replace('.', '\\.')));
		const labelled = classified.filter((_, i) => i !== 1).map((i) => i.json);
		for (const l of labelled) {
			assert.equal(l.error, undefined, String(l.error));
			assert.ok(typeof l.label === 'string' && Number(l.confidence) > 0);
		}
		return `Evaluate: item 1 "${String(bad.error)}", ${good.length} others scored ${String(imageCount)} images each (accuracy ${good.map((g) => Number(g.accuracy).toFixed(3)).join(', ')}); Classify Image: item 1 "${String(broken.error)}", ${labelled.length} others labelled (${labelled.map((l) => String(l.label)).join(', ')})`;
	},
	/** ImageNet labels without training: weights fetched once through the credential's mirror, with its token. */
	imagenet(file, requestsLog, imageCount) {
		const run = readJson<Execution>(file);
		const out = items(run, 'Classify Image');
		assert.equal(out.length, Number(imageCount), 'every image is labelled');
		for (const i of out) {
			assert.ok(
				IMAGENET_CLASSES.includes(String(i.json.label)),
				`${String(i.json.label)} is an ImageNet class name`,
			);
			assert.equal((i.json.topK as unknown[]).length, 5);
			assert.equal(asJson(i.json.model).name, 'imagenet-timm');
		}
		const requests = fs
			.readFileSync(requestsLog, 'utf8')
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as { path: string; auth: string | null });
		assert.equal(requests.length, 1, 'the weight file is downloaded once for all items');
		assert.equal(requests[0].auth, 'Bearer e2e-token', "the credential's token is sent");
		const labels = [...new Set(out.map((i) => String(i.json.label)))];
		return `${out.length} images labelled with ImageNet names (${labels.slice(0, 3).join(', ')}…); ${requests.length} download of ${requests[0].path}`;
	},
	/** Pretrained Weights from a file and Fine-Tune Depth "Last Stage + Classifier". */
	'last-stage'(file) {
		const run = readJson<Execution>(file);
		const report = items(run, 'Train ResNet-18')[0].json;
		const fineTune = asJson(report.fineTune);
		assert.equal(fineTune.depth, 'last-stage');
		assert.equal(report.pretrained, true, 'started from the weights file');
		assert.equal(report.classifierReplaced, true, 'the 1,000-class classifier was replaced');
		assert.equal((report.history as unknown[]).length, 2);
		return `${String(fineTune.reason)}; layer3 activations by ${String(fineTune.featureEngine)}; val accuracy ${Number(report.validationAccuracy).toFixed(3)}`;
	},
	/** Pretrained Weights from a binary property, merged with the manifest. */
	'weights-binary'(file) {
		const run = readJson<Execution>(file);
		const report = items(run, 'Train ResNet-18')[0].json;
		assert.equal(report.pretrained, true, 'started from the weights in the binary property');
		assert.equal(report.classifierReplaced, true, 'the 1,000-class classifier was replaced');
		assert.equal(asJson(report.fineTune).depth, 'head');
		return `trained ${String(report.trainImages)} images from the weights of the "weights" binary property; ${String(asJson(report.fineTune).reason)}`;
	},
	/** Train's Hyper-Parameters "Auto": the model card's choices for the dataset size, explicit options kept. */
	'auto-preset'(file) {
		const run = readJson<Execution>(file);
		const report = items(run, 'Train ResNet-18')[0].json;
		const preset = asJson(report.preset);
		assert.ok(preset && typeof preset.reason === 'string', 'the output says what Auto chose');
		assert.equal(preset.datasetSize, 'tiny');
		assert.deepEqual(
			preset.kept,
			['augment', 'earlyStoppingPatience'],
			'what is set in Options is kept',
		);
		assert.match(String(preset.reason), /light augmentation \(yours\)/);
		assert.equal(asJson(report.options).augment, 'light');
		assert.equal(
			asJson(report.options).learningRate,
			0.00001,
			"the model card's rate for a tiny dataset",
		);
		return String(preset.reason);
	},
	/**
	 * A webhook answer: the prediction fields only (not the request's headers), a label of the model's classes; the
	 * second call is served from the model cache.
	 */
	webhook(file, classesCsv, expectCached) {
		const body = readJson<Json>(file);
		assert.deepEqual(
			Object.keys(body).sort(),
			['confidence', 'engine', 'label', 'model', 'modelVersion', 'threads', 'topK', 'unknown'],
			'the answer holds the prediction only',
		);
		assert.ok(
			classesCsv.split(',').includes(String(body.label)),
			`label ${String(body.label)} is one of ${classesCsv}`,
		);
		assert.equal(
			String(asJson(body.model).cached),
			expectCached,
			`model.cached should be ${expectCached}`,
		);
		return `label ${String(body.label)} (${Number(body.confidence).toFixed(3)}), cached ${String(asJson(body.model).cached)}`;
	},
	/** A webhook answer to an upload that is not an image: Classify Image's error, naming the file. */
	'webhook-error'(file, fileName) {
		const body = readJson<Json>(file);
		assert.ok(
			String(body.error).includes(fileName),
			`error names ${fileName}: ${String(body.error)}`,
		);
		assert.equal(body.headers, undefined, 'no request headers in the answer');
		return String(body.error);
	},
	/** The same webhook answer from another engine: same label, probabilities within 1e-4. */
	/** A folder → Train → Evaluate run on the engine asked for: the Train node says which backend computed it. */
	'trained-on'(file, backendPattern) {
		const run = readJson<Execution>(file);
		const trained = items(run, 'Train ResNet-18')[0];
		const summary = String(asJson(trained.json.backend).summary);
		assert.match(summary, new RegExp(backendPattern), summary);
		const history = trained.json.history as Json[];
		assert.equal(history.length, 3, 'one history record per epoch');
		assert.ok(
			history.every((h) => Number.isFinite(Number(h.trainLoss))),
			'finite training losses',
		);
		const evaluation = items(run, 'Evaluate ResNet-18')[0].json;
		const accuracy = Number(evaluation.accuracy);
		assert.ok(accuracy >= 0 && accuracy <= 1, `accuracy ${accuracy}`);
		return `${summary.split('\n')[0]}; losses ${history.map((h) => Number(h.trainLoss).toFixed(3)).join(', ')}; accuracy ${accuracy.toFixed(3)}`;
	},
	'webhook-engine'(file, engine, referenceFile) {
		const body = readJson<Json>(file);
		const reference = readJson<Json>(referenceFile);
		assert.equal(body.engine, engine, `answered by ${String(body.engine)}`);
		assert.notEqual(
			reference.engine,
			engine,
			`before the install the webhook ran on ${String(reference.engine)}`,
		);
		assert.equal(body.label, reference.label);
		assert.ok(
			Math.abs(Number(body.confidence) - Number(reference.confidence)) < 1e-4,
			`${String(body.confidence)} vs ${String(reference.confidence)}`,
		);
		return `engine ${String(body.engine)}, label ${String(body.label)} (${Number(body.confidence).toFixed(4)} vs ${Number(reference.confidence).toFixed(4)} on ${String(reference.engine)})`;
	},
	/** The editor shows Train ResNet-18's four parameters with the model card's defaults. */
	editor(file) {
		const shown = readJson<Json>(file);
		assert.deepEqual(
			{
				batchSize: Number(shown.batchSize),
				epochs: Number(shown.epochs),
				learningRate: Number(shown.learningRate),
				evalSteps: Number(shown.evalSteps),
			},
			{ batchSize: 8, epochs: 1, learningRate: 0.00005, evalSteps: 1 },
		);
		return JSON.stringify(shown);
	},
};

/**
 * Copy PNG binaries that n8n stored in filesystem mode (id `filesystem-v2:<path>` under the user folder's storage
 * directory) to `target`, for a person to look at; returns the names copied. Nothing is asserted here.
 */
function copyPictures(
	n8nFolder: string,
	target: string,
	binaries: Record<string, { id?: string; mimeType?: string } | undefined>,
): string[] {
	fs.mkdirSync(target, { recursive: true });
	const copied: string[] = [];
	for (const [name, binary] of Object.entries(binaries)) {
		if (binary?.mimeType !== 'image/png' || !binary.id) continue;
		const relative = binary.id.replace(/^filesystem(-v2)?:/, '');
		const source = ['storage', 'binaryData']
			.map((root) => path.join(n8nFolder, root, relative))
			.find((p) => fs.existsSync(p));
		if (!source) continue;
		fs.copyFileSync(source, path.join(target, `${name}.png`));
		copied.push(`${name}.png`);
	}
	return copied;
}

const [name, file, ...args] = process.argv.slice(2);
const check = checks[name];
if (!check) {
	console.error(`usage: check.js <${Object.keys(checks).join('|')}> <file> [args]`);
	process.exit(2);
}
try {
	console.log(`PASS ${name}: ${check(file, ...args)}`);
} catch (error) {
	console.error(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
}
