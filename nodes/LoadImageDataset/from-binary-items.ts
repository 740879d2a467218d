import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { binaryInput } from '../shared/binary-input';
import * as path from 'node:path';
import {
	buildManifest,
	InvalidParameterError,
	stratifiedSplit,
	storeContent,
	inspectImage,
	type ManifestImage,
	type Problem,
} from '../../lib';
import { datasetsFolder } from '../shared/n8n-folders';
import { failedItem } from '../shared/per-item';
import { readLoadOptions } from './load-options';
import { summarize } from './summary';

/**
 * Every input item is one labelled image. The bytes are stored once in the content-addressed image store, so the
 * manifest holds paths (not base64) and a second run over the same images copies nothing.
 */
export async function manifestFromBinaryItems(ctx: IExecuteFunctions): Promise<INodeExecutionData> {
	const items = ctx.getInputData();
	const options = readLoadOptions(ctx, 0);
	const extensions = new Set(options.extensions ?? []);
	const store = path.join(datasetsFolder(), 'images');
	const images: ManifestImage[] = [];
	const problems: Problem[] = [];
	const itemErrors: IDataObject[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const property = ctx.getNodeParameter('binaryProperty', i) as string;
			const binary = ctx.helpers.assertBinaryData(i, property);
			const label = ctx.getNodeParameter('label', i);
			if (typeof label !== 'string' && typeof label !== 'number')
				throw new InvalidParameterError(
					'label',
					`item ${i} has no label (got ${JSON.stringify(label)})`,
				);
			const name = binary.fileName ?? `item ${i}`;
			const extension = (binary.fileExtension ?? path.extname(name).slice(1)).toLowerCase();
			if (extensions.size > 0 && !extensions.has(extension)) {
				problems.push({
					file: name,
					reason: `item ${i}: ".${extension}" is not one of the image extensions (${[...extensions].join(', ')})`,
					kind: 'unsupported-extension',
					kept: false,
				});
				continue;
			}
			const { data: bytes } = await binaryInput(ctx, i, property, 'binaryProperty');
			const check = await inspectImage(bytes, options.limitInputPixels);
			if (!check.ok) {
				problems.push({
					file: name,
					reason: `item ${i}: ${check.reason}`,
					kind: check.kind,
					kept: false,
				});
				continue;
			}
			const stored = await storeContent(store, bytes, extension);
			images.push({ file: stored.file, label: String(label).trim() });
		} catch (error) {
			// A missing binary property or label: with Continue On Fail it is listed, otherwise the node stops here.
			itemErrors.push(failedItem(ctx, error, i).json);
		}
	}
	if (images.length === 0)
		throw new InvalidParameterError(
			'binaryProperty',
			`none of the ${items.length} input items carried a readable image`,
		);
	const classes = [...new Set(images.map((image) => image.label))].sort();
	const indexed = images.map((image) => ({ ...image, index: classes.indexOf(image.label) }));
	const { train, validation } = stratifiedSplit(
		indexed.map((image) => ({ ...image, label: image.index, name: image.label })),
		options.validationSplit,
		options.seed,
		(image) => image.file,
	);
	const manifest = await buildManifest({
		source: store,
		classes,
		train: train.map((s) => ({ file: s.file, label: s.name })),
		validation: validation.map((s) => ({ file: s.file, label: s.name })),
		validationSource: options.validationSplit > 0 ? 'split' : 'none',
		split: { fraction: options.validationSplit, seed: options.seed },
		problems: [
			...problems,
			...itemErrors.map((e): Problem => ({
				file: String(e.file ?? 'input item'),
				reason: String(e.error),
				kind: 'unreadable',
				kept: false,
			})),
		],
	});
	ctx.logger.info(`Load Image Dataset: ${summarize(manifest)}`);
	return {
		json: manifest as unknown as IDataObject,
		pairedItem: items.map((_, item) => ({ item })),
	};
}
