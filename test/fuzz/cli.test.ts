import { describe, it } from '@jest/globals';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import fc from 'fast-check';
import { mapLimited } from '../../lib/map-limited';
import { CLASSIFY_OPTIONS } from '../../lib/options/classify';
import { DATASET_OPTIONS } from '../../lib/options/dataset';
import { EVALUATE_OPTIONS } from '../../lib/options/evaluate';
import { choiceValues, type OptionSpec, type OptionTable } from '../../lib/options/option';
import { TRAIN_OPTIONS } from '../../lib/options/train';
import { tempDir } from '../support/temp';

/** Child processes: a few hundred, as issue 12 asks of the CLI parsers. */
const CLI_RUNS = Number(process.env.RESNET18_FUZZ_CLI_RUNS ?? 200);
const CLI = path.join(__dirname, '../../lib/cli/main.js');
const TIMEOUT_MS = 60_000;

const out = tempDir('resnet18-fuzz-cli-');
const MISSING_DATA = path.join(out, 'no-such-folder');
const MISSING_MODEL = path.join(out, 'no-such-model.safetensors');

interface Command {
	name: string;
	table: OptionTable;
	/** Positional arguments: paths that do not exist, so a run with good flags ends at them, never training. */
	positional: string[];
	/** Flags every run gets: an output path that can be written, no network but 127.0.0.1's closed port. */
	fixed: string[];
	/** The path the error must name when every flag is good. */
	missing: string;
}

const COMMANDS: Command[] = [
	{
		name: 'dataset',
		table: DATASET_OPTIONS,
		positional: [MISSING_DATA],
		fixed: [],
		missing: MISSING_DATA,
	},
	{
		name: 'train',
		table: TRAIN_OPTIONS,
		positional: [MISSING_DATA],
		fixed: ['--out', path.join(out, 'm.safetensors')],
		missing: MISSING_DATA,
	},
	{
		name: 'evaluate',
		table: EVALUATE_OPTIONS,
		positional: [MISSING_MODEL, MISSING_DATA],
		fixed: [],
		missing: MISSING_MODEL,
	},
	{
		name: 'classify',
		table: CLASSIFY_OPTIONS,
		positional: [MISSING_MODEL, path.join(out, 'no-such-image.png')],
		fixed: ['--weights-base-url', 'http://127.0.0.1:9', '--weights-cache', path.join(out, 'cache')],
		missing: MISSING_MODEL,
	},
];

/** Flags the fuzzer may set: table options with an argument (ones fixed above excepted). */
function fuzzable(c: Command): [string, OptionSpec][] {
	return Object.entries(c.table)
		.filter(([, s]) => s.cli && s.cli.flag.includes('<'))
		.map(([, s]): [string, OptionSpec] => [s.cli!.flag.split(' ')[0]!, s])
		.filter(
			([flag]) =>
				!c.fixed.includes(flag) &&
				!['--weights', '--weights-source', '--weights-cache', '--weights-base-url'].includes(flag),
		);
}

/** What the table allows as text on a command line (commander gives the text to Number, then the rule applies). */
function allowedText(spec: OptionSpec, text: string): boolean {
	switch (spec.type) {
		case 'number':
		case 'integer': {
			const v = Number(text);
			if (text.trim() === '' || !Number.isFinite(v)) return false;
			if (spec.type === 'integer' && !Number.isInteger(v)) return false;
			const slack = spec.type === 'integer' ? 0 : Math.abs(spec.min) * 1e-9;
			return v >= spec.min - slack && v <= (spec.max ?? Infinity) + slack;
		}
		case 'choice':
			return (
				choiceValues(spec).includes(text) || (spec.aliases ?? []).some(([old]) => old === text)
			);
		default:
			return !text.startsWith('-');
	}
}

/** Whether commander's parser takes the text (numbers only; choices and text go to the rule as given). */
function parses(spec: OptionSpec, text: string): boolean {
	if (spec.type !== 'number' && spec.type !== 'integer') return true;
	return text.trim() !== '' && Number.isFinite(Number(text));
}

function textFor(spec: OptionSpec): fc.Arbitrary<string> {
	const junk = fc.constantFrom(
		'',
		' ',
		'0',
		'-1',
		'NaN',
		'Infinity',
		'1e309',
		'1e-400',
		'0x1f',
		'08',
		'abc',
		'9007199254740993',
		'--',
		'-5e-5',
		'½',
	);
	switch (spec.type) {
		case 'number':
		case 'integer': {
			const max = spec.max ?? 1e6;
			return fc.oneof(
				fc
					.constantFrom(spec.min, max, spec.min - 1, max + 1, (spec.min + max) / 2, spec.min / 10)
					.map(String),
				(spec.type === 'integer'
					? fc.integer({ min: spec.min, max: Math.min(max, 1e6) })
					: fc.double({ min: spec.min, max, noNaN: true })
				).map(String),
				junk,
			);
		}
		case 'choice':
			return fc.oneof(
				fc.constantFrom(...choiceValues(spec)),
				fc.constantFrom(...choiceValues(spec)).map((v) => v.toUpperCase()),
				junk,
			);
		default:
			return fc.oneof(
				fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !s.startsWith('-')),
				junk,
			);
	}
}

interface Case {
	command: Command;
	/** Flag, text, allowed by the table, parsed by commander. */
	flags: [string, string, boolean, boolean][];
	extra: string[];
}

const caseArb: fc.Arbitrary<Case> = fc.constantFrom(...COMMANDS).chain((command) => {
	const options = fuzzable(command);
	const flag = fc
		.constantFrom(...options)
		.chain(([name, spec]) =>
			textFor(spec).map((text): [string, string, boolean, boolean] => [
				name,
				text,
				allowedText(spec, text),
				parses(spec, text),
			]),
		);
	return fc.record({
		command: fc.constant(command),
		flags: fc.array(flag, { maxLength: 4 }),
		// Flags the command does not have, and one given twice, as a hurried user types them.
		extra: fc.oneof(
			{ arbitrary: fc.constant<string[]>([]), weight: 4 },
			fc.constantFrom('--bogus', '--batch-size', '-x', '--no-such=1').map((x) => [x]),
		),
	});
});

interface Ran {
	args: string[];
	code: number | null;
	signal: NodeJS.Signals | null;
	stderr: string;
	timedOut: boolean;
}

function runCli(args: string[]): Promise<Ran> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [CLI, ...args], {
			env: { ...process.env, RESNET18_MODELS_FOLDER: path.join(out, 'models') },
			stdio: ['ignore', 'ignore', 'pipe'],
		});
		let stderr = '';
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, TIMEOUT_MS);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ args, code, signal, stderr, timedOut });
		});
	});
}

describe('fuzz: the CLI parsers, in child processes', () => {
	it(`ends ${CLI_RUNS} fuzzed command lines with a clear message and a normal exit, naming the flag or the path`, async () => {
		const cases = fc.sample(caseArb, { seed: 1206, numRuns: CLI_RUNS });
		const results = await mapLimited(cases, 2, async (c) => {
			const args = [
				c.command.name,
				...c.command.positional,
				...c.command.fixed,
				...c.flags.flatMap(([f, v]) => [f, v]),
				...c.extra,
			];
			return { c, ran: await runCli(args) };
		});
		const kinds = new Map<string, number>();
		for (const { c, ran } of results) {
			const where = `resnet18 ${ran.args.map((a) => JSON.stringify(a)).join(' ')}\n${ran.stderr}`;
			assert.ok(!ran.timedOut, `timed out: ${where}`);
			assert.equal(ran.signal, null, `killed by ${ran.signal}: ${where}`);
			assert.ok(ran.code === 0 || ran.code === 1, `exit ${ran.code}: ${where}`);
			assert.doesNotMatch(
				ran.stderr,
				/\n\s+at .+:\d+:\d+\)?\n|TypeError|RangeError|Maximum call stack|FATAL|Aborted/,
				where,
			);
			assert.equal(ran.code, 1, `a missing folder or model cannot succeed: ${where}`);
			// commander parses each occurrence (text that is no number fails there); the table's rule then judges the last.
			const bad = [...new Set(c.flags.map(([f]) => f))].filter((f) => {
				const given = c.flags.filter(([g]) => g === f);
				return given.some(([, , , parses]) => !parses) || !given[given.length - 1]![2];
			});
			let kind: string;
			if (c.extra.length > 0 && c.extra[0] !== '--batch-size') kind = 'unknown flag';
			else if (c.extra[0] === '--batch-size') kind = 'flag without its value';
			else if (bad.length > 0) {
				kind = 'bad flag value';
				assert.ok(
					bad.some((f) => ran.stderr.includes(f)),
					`names one of ${bad.join(', ')}: ${where}`,
				);
			} else {
				kind = 'good flags, missing path';
				assert.ok(ran.stderr.includes(c.command.missing), `names ${c.command.missing}: ${where}`);
			}
			kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
		}
		console.log(
			`fuzz CLI: ${results.length} child processes; ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}; 0 crashes, 0 timeouts`,
		);
		assert.ok(
			(kinds.get('bad flag value') ?? 0) > 0 && (kinds.get('good flags, missing path') ?? 0) > 0,
		);
	}, 900_000);
});
