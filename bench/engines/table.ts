import { isSkipped, type EngineFigures, type EngineResult } from './figures';

/** Issue 11's targets for the native CPU backend, against the reference (pip torch, channels_last, 2 threads). */
export const NATIVE_TARGETS = { forwardRatio: 1.1, trainRatio: 1.4, peakRssMb: 1500 };

export interface Row {
	result: EngineResult;
	/** Marks the targets on this row. */
	targets?: boolean;
}

const fmt = (value: number) =>
	value.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

function cell(value: number | undefined, reference: number | undefined): string {
	if (value === undefined) return '—';
	return reference ? `${fmt(value)} (${(value / reference).toFixed(2)}×)` : fmt(value);
}

function marks(figures: EngineFigures, reference: EngineFigures | undefined): string {
	const out: string[] = [];
	const ratioMark = (
		name: string,
		value: number | undefined,
		ref: number | undefined,
		limit: number,
	) => {
		if (value === undefined) return;
		if (!ref) out.push(`${name} unmeasured: no reference`);
		else out.push(`${name} ${value / ref <= limit ? 'PASS' : 'MISS'} (≤ ${limit}×)`);
	};
	ratioMark(
		'forward b1',
		figures.forwardBatch1Ms,
		reference?.forwardBatch1Ms,
		NATIVE_TARGETS.forwardRatio,
	);
	ratioMark(
		'forward b8',
		figures.forwardBatchMsPerImage,
		reference?.forwardBatchMsPerImage,
		NATIVE_TARGETS.forwardRatio,
	);
	ratioMark(
		'step',
		figures.trainStepMsPerImage,
		reference?.trainStepMsPerImage,
		NATIVE_TARGETS.trainRatio,
	);
	if (figures.peakRssMb !== undefined) {
		out.push(`RSS ${figures.peakRssMb <= NATIVE_TARGETS.peakRssMb ? 'PASS' : 'MISS'} (≤ 1.5 GB)`);
	}
	return out.join('; ');
}

/** One markdown table: a row per engine, each figure with its ratio to the reference row. */
export function engineTable(
	rows: readonly Row[],
	reference: EngineResult,
	batch: number,
): string[] {
	const ref = isSkipped(reference) ? undefined : reference;
	const lines = [
		`| engine | forward, batch 1 (ms/image) | forward, batch ${batch} (ms/image) | training step, batch ${batch} (ms/image) | peak RSS, full fine-tuning (MB) | targets |`,
		'|---|---|---|---|---|---|',
	];
	for (const { result, targets } of rows) {
		if (isSkipped(result)) {
			lines.push(
				`| ${result.engine} | skipped: ${result.skipped} | | | | ${targets ? 'unmeasured' : ''} |`,
			);
			continue;
		}
		const bold = result === reference ? (s: string) => `**${s}** (reference)` : (s: string) => s;
		lines.push(
			`| ${bold(result.engine)} | ${cell(result.forwardBatch1Ms, ref?.forwardBatch1Ms)} | ${cell(result.forwardBatchMsPerImage, ref?.forwardBatchMsPerImage)} | ${cell(result.trainStepMsPerImage, ref?.trainStepMsPerImage)} | ${cell(result.peakRssMb, ref?.peakRssMb)} | ${targets ? marks(result, ref) : ''} |`,
		);
	}
	return lines;
}
