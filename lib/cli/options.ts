import { Command, InvalidArgumentError, Option } from 'commander';
import {
	choiceValues,
	rangeText,
	type NumberSpec,
	type OptionSpec,
	type OptionTable,
	type Resolved,
} from '../options/option';
import { checkGiven } from '../options/resolve';

/** The flag's name without its argument: `--batch-size <n>` → `--batch-size`. */
export function flagName(spec: OptionSpec, key: string): string {
	return spec.cli?.flag.split(' ')[0] ?? key;
}

/** Text to number only; the range is the table's rule, applied once every flag is read. */
function number(flag: string, spec: NumberSpec) {
	return (value: string): number => {
		const parsed = Number(value);
		if (value.trim() === '' || !Number.isFinite(parsed))
			throw new InvalidArgumentError(`${flag} must be a number ${rangeText(spec)}`);
		return parsed;
	};
}

/** commander's option for one entry of a table: flag, help (the model card's advice), default, choices. */
export function cliOption(spec: OptionSpec, key: string): Option {
	const cli = spec.cli;
	if (!cli) throw new Error(`option ${key} has no flag`);
	const option = new Option(cli.flag, cli.help ?? spec.description ?? '');
	if (cli.required) option.makeOptionMandatory();
	if (spec.type === 'number' || spec.type === 'integer')
		option.argParser(number(flagName(spec, key), spec));
	// choices() lists them in the help; the table's rule, not commander, refuses a wrong one.
	if (spec.type === 'choice')
		option.choices(choiceValues(spec)).argParser((value: string) => value);
	// A negated flag (`--no-keep-best`) already defaults to true.
	if (spec.default !== undefined && !cli.flag.startsWith('--no-')) option.default(spec.default);
	return option;
}

/** Adds every option of the table that has a flag. */
export function addOptions(command: Command, table: OptionTable): Command {
	for (const [key, spec] of Object.entries(table))
		if (spec.cli) command.addOption(cliOption(spec, key));
	return command;
}

/**
 * The options given on the command line, each checked by the table's rule under its flag's name. Flags left at
 * their default are not given (the table's default, or Auto, fills them).
 */
export function givenCliOptions<T extends OptionTable>(
	command: Command,
	table: T,
): Partial<Resolved<T>> {
	const values = command.opts();
	const input: Partial<Record<keyof T, unknown>> = {};
	for (const key of Object.keys(table) as (keyof T & string)[]) {
		const spec = table[key];
		if (!spec.cli) continue;
		const attribute = cliOption(spec, key).attributeName();
		if (command.getOptionValueSource(attribute) !== 'default') input[key] = values[attribute];
	}
	return checkGiven(table, input, (key, spec) => flagName(spec, key));
}
