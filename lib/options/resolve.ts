import {
	checkOption,
	type OptionSpec,
	type OptionTable,
	type OptionsInput,
	type Resolved,
} from './option';

/** The name a user knows an option by where it entered: the node property, the CLI flag, the library option. */
export type Naming = (key: string, spec: OptionSpec) => string;

const byKey: Naming = (key) => key;

/** The options that were given, each checked by the table's rule; those left out stay out (Auto fills them). */
export function checkGiven<T extends OptionTable>(
	table: T,
	input: OptionsInput<T>,
	nameOf: Naming = byKey,
): Partial<Resolved<T>> {
	const given: Partial<Record<keyof T, unknown>> = {};
	for (const key of Object.keys(table) as (keyof T & string)[]) {
		const value = input[key];
		if (value !== undefined && value !== null)
			given[key] = checkOption(table[key], nameOf(key, table[key]), value);
	}
	return given as Partial<Resolved<T>>;
}

/** Every option of the table: the given ones (already checked) over the table's defaults. */
export function withDefaults<T extends OptionTable>(
	table: T,
	given: Partial<Resolved<T>>,
): Resolved<T> {
	const all: Partial<Record<keyof T, unknown>> = {};
	for (const key of Object.keys(table) as (keyof T)[]) all[key] = given[key] ?? table[key].default;
	return all as Resolved<T>;
}

/** Options checked once into a typed object, defaults filled in. */
export function resolveOptions<T extends OptionTable>(
	table: T,
	input: OptionsInput<T>,
	nameOf: Naming = byKey,
): Resolved<T> {
	return withDefaults(table, checkGiven(table, input, nameOf));
}

/** The table's defaults as a typed object. */
export function defaultsOf<T extends OptionTable>(table: T): Resolved<T> {
	return withDefaults(table, {});
}

/** Some options of a table, as a table of their own (those read once per run, those read per item). */
export function pickOptions<T extends OptionTable, K extends keyof T>(
	table: T,
	keys: readonly K[],
): Pick<T, K> {
	return Object.fromEntries(keys.map((key) => [key, table[key]])) as Pick<T, K>;
}
