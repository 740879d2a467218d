import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidParameterError } from '../../lib/errors';
import { CLASSIFY_OPTIONS } from '../../lib/options/classify';
import { DATASET_OPTIONS } from '../../lib/options/dataset';
import { EVALUATE_OPTIONS } from '../../lib/options/evaluate';
import { EXPORT_OPTIONS } from '../../lib/options/export';
import {
	checkOption,
	choiceValues,
	rangeText,
	scaled,
	type OptionSpec,
	type OptionTable,
} from '../../lib/options/option';
import { resolveOptions } from '../../lib/options/resolve';
import { TRAIN_OPTIONS } from '../../lib/options/train';
import { FuzzTally, outcomeName, RUNS } from './fuzz-support';

const TABLES: Record<string, OptionTable> = {
	train: TRAIN_OPTIONS,
	evaluate: EVALUATE_OPTIONS,
	classify: CLASSIFY_OPTIONS,
	dataset: DATASET_OPTIONS,
	'export-onnx': EXPORT_OPTIONS,
};

/** An oracle written apart from checkOption: what issue 7's table says a value of this option may be. */
function allowed(spec: OptionSpec, value: unknown, scale = 1): boolean {
	if (value === undefined || value === null) return true;
	switch (spec.type) {
		case 'number':
		case 'integer': {
			if (typeof value !== 'number' || !Number.isFinite(value)) return false;
			if (spec.type === 'integer' && !Number.isInteger(value)) return false;
			const min = spec.min * scale;
			const max = (spec.max ?? Infinity) * scale;
			const slack = spec.type === 'integer' ? 0 : Math.abs(min) * 1e-9;
			return value >= min - slack && value <= max + slack;
		}
		case 'boolean':
			return typeof value === 'boolean';
		case 'choice':
			return (
				(typeof value === 'string' && choiceValues(spec).includes(value)) ||
				(spec.aliases ?? []).some(([old]) => old === value)
			);
		case 'string':
			return typeof value === 'string';
	}
}

/** Values near an option's rule (its bounds, one past them, its choices with a letter changed) and far from it. */
function valueFor(spec: OptionSpec, scale = 1): fc.Arbitrary<unknown> {
	const anything = fc.oneof(
		fc.constantFrom(
			NaN,
			Infinity,
			-Infinity,
			-0,
			'',
			'8',
			'1e-4',
			'0x10',
			' ',
			'auto',
			true,
			false,
			[],
			{},
			[8],
		),
		fc.string({ maxLength: 8 }),
		fc.double(),
		fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
		fc.constantFrom(undefined, null),
	);
	switch (spec.type) {
		case 'number':
		case 'integer': {
			const min = scaled(spec.min, scale);
			const max = spec.max === undefined ? 1e12 : scaled(spec.max, scale);
			const near = fc.constantFrom(
				min,
				max,
				min - 1,
				max + 1,
				min - Math.abs(min) * 1e-6,
				max * (1 + 1e-6),
				(min + max) / 2,
				max + Math.max(Math.abs(max), 1) * Number.EPSILON * 4,
				min / 2,
				0,
				-1,
			);
			const inside =
				spec.type === 'integer'
					? fc.integer({ min: Math.ceil(min), max: Math.min(Math.floor(max), 2 ** 31) })
					: fc.double({ min, max, noNaN: true });
			return fc.oneof({ arbitrary: inside, weight: 3 }, { arbitrary: near, weight: 2 }, anything);
		}
		case 'boolean':
			return fc.oneof(fc.boolean(), anything);
		case 'choice': {
			const values = choiceValues(spec);
			const nearMiss = fc
				.tuple(fc.constantFrom(...values), fc.constantFrom('upper', 'space', 'cut'))
				.map(([v, how]) =>
					how === 'upper' ? v.toUpperCase() : how === 'space' ? ` ${v}` : v.slice(0, -1),
				);
			const aliases = (spec.aliases ?? []).map(([old]) => old);
			return fc.oneof(
				{ arbitrary: fc.constantFrom(...values), weight: 3 },
				nearMiss,
				aliases.length ? fc.constantFrom(...aliases) : anything,
				anything,
			);
		}
		case 'string':
			return fc.oneof(fc.string({ maxLength: 12 }), anything);
	}
}

/** Up to four of the table's options (as one node or command line sets a few), each from its own generator. */
function inputFor(table: OptionTable): fc.Arbitrary<Record<string, unknown>> {
	return fc
		.subarray(Object.keys(table), { maxLength: Math.min(4, Object.keys(table).length) })
		.chain((keys) => fc.tuple(...keys.map((k) => valueFor(table[k]!).map((v) => [k, v] as const))))
		.map((pairs) => Object.fromEntries(pairs));
}

describe('fuzz: the option parsers (issue 7 table, the one rule every entry point uses)', () => {
	for (const [command, table] of Object.entries(TABLES)) {
		it(`${command}: accepts exactly what the table allows among ${RUNS} inputs, and names the option it refuses`, () => {
			const tally = new FuzzTally(`${command} options`);
			fc.assert(
				fc.property(inputFor(table), (input) => {
					const expectOk = Object.entries(input).every(([k, v]) => allowed(table[k]!, v));
					tally.run(
						JSON.stringify(input)?.length ?? 0,
						() => resolveOptions(table, input),
						(outcome) => {
							if (outcome instanceof InvalidParameterError) {
								assert.ok(!expectOk, `refused a valid input: ${outcome.message}`);
								assert.ok(
									outcome.parameter in input,
									`names a given option, not ${outcome.parameter}`,
								);
								assert.ok(!allowed(table[outcome.parameter]!, input[outcome.parameter]));
								const spec = table[outcome.parameter]!;
								// Issue 12: the error gives the allowed range, whatever was wrong with the value.
								if (spec.type === 'number' || spec.type === 'integer')
									assert.ok(outcome.message.includes(rangeText(spec)), outcome.message);
								return 'refused';
							}
							if (outcome instanceof Error) return outcomeName(outcome);
							assert.ok(expectOk, `accepted ${JSON.stringify(input)}`);
							for (const [k, spec] of Object.entries(table)) {
								const v = (outcome as Record<string, unknown>)[k];
								assert.ok(allowed(spec, v), `${k} resolved to ${String(v)}`);
								if (spec.type === 'choice' && v !== undefined)
									assert.ok(
										choiceValues(spec).includes(v as string),
										`${k} is a choice, not an alias`,
									);
							}
							return 'accepted';
						},
					);
				}),
				{ seed: 1203, numRuns: RUNS },
			);
			console.log(tally.report());
			assert.ok(
				tally.count('accepted') > RUNS / 20 && tally.count('refused') > RUNS / 20,
				'both sides are exercised',
			);
		});
	}

	it(`shown scaled in the editor (percentages): accepts exactly the scaled range among ${RUNS} inputs and returns it unscaled`, () => {
		const scaledSpecs = Object.entries(TABLES).flatMap(([command, table]) =>
			Object.entries(table)
				.filter(([, s]) => (s.node?.scale ?? 1) !== 1)
				.map(([key, spec]) => ({ name: `${command}.${key}`, spec, scale: spec.node!.scale! })),
		);
		assert.ok(scaledSpecs.length > 0);
		const tally = new FuzzTally('scaled node options');
		fc.assert(
			fc.property(
				fc
					.constantFrom(...scaledSpecs)
					.chain((s) => fc.tuple(fc.constant(s), valueFor(s.spec, s.scale))),
				([{ name, spec, scale }, value]) => {
					tally.run(
						16,
						() => checkOption(spec, name, value, scale),
						(outcome) => {
							if (outcome instanceof InvalidParameterError) {
								assert.ok(!allowed(spec, value, scale), `refused ${String(value)} for ${name}`);
								return 'refused';
							}
							if (outcome instanceof Error) return outcomeName(outcome);
							assert.ok(allowed(spec, value, scale), `accepted ${String(value)} for ${name}`);
							assert.ok(
								allowed(spec, outcome),
								`${name}: ${String(value)} became ${String(outcome)}`,
							);
							return 'accepted';
						},
					);
				},
			),
			{ seed: 1204, numRuns: RUNS },
		);
		console.log(tally.report());
	});
});
