import { InvalidParameterError } from '../errors';

/**
 * One option of a command, in the one place that says everything about it: its type, default, range or choices,
 * the model card's advice, and how the n8n node and the CLI show it. The nodes' properties and the CLI's flags are
 * built from these entries, and every value is checked by `checkOption`, wherever it enters.
 */
export type OptionSpec = NumberSpec | BooleanSpec | ChoiceSpec<string> | StringSpec;

/** How the n8n node shows an option. Without it, the option is not on the node. */
export interface NodePlacement {
	readonly displayName: string;
	/** Inside the node's "Options" collection rather than a top-level property. */
	readonly collection?: boolean;
	/** n8n `displayOptions.show`; a hidden top-level property counts as not given. */
	readonly show?: Readonly<Record<string, readonly string[]>>;
	/** Digits after the decimal point the editor keeps (`typeOptions.numberPrecision`). */
	readonly precision?: number;
	/** The node shows value × scale (a fraction as a percentage); its range is scaled alike. */
	readonly scale?: number;
	/** What the editor fills in, for options whose absence means something (no cap, every extension). */
	readonly editorDefault?: number | string;
	readonly placeholder?: string;
	/** Shown with the option's own description, for the node only (text that speaks of the editor). */
	readonly description?: string;
}

/** How the CLI takes an option. Without it, the option is not on the command line. */
export interface CliPlacement {
	/** commander's flag, with its argument: `--batch-size <n>`, `--no-keep-best`. */
	readonly flag: string;
	/** Help text, when the model card's advice does not read well there. */
	readonly help?: string;
	readonly required?: boolean;
}

interface Common {
	/** The model card's advice: the node property's description and the CLI's help. */
	readonly description?: string;
	readonly node?: NodePlacement;
	readonly cli?: CliPlacement;
}

export interface NumberSpec extends Common {
	readonly type: 'number' | 'integer';
	/** `undefined`: the option may be left out (the code that uses it says what that means). */
	readonly default: number | undefined;
	readonly min: number;
	/** None: no upper bound. */
	readonly max?: number;
}

export interface BooleanSpec extends Common {
	readonly type: 'boolean';
	readonly default: boolean;
}

/** A choice's label in the n8n editor, with what it does. */
export interface ChoiceLabel {
	readonly name: string;
	readonly description?: string;
}

export interface ChoiceSpec<C extends string> extends Common {
	readonly type: 'choice';
	readonly default: C;
	/** Every choice with its editor label, in the editor's order. */
	readonly choices: Readonly<Record<C, ChoiceLabel>>;
	/** Values of earlier versions still accepted: [old value, the choice it means]. */
	readonly aliases?: readonly (readonly [unknown, C])[];
}

export interface StringSpec extends Common {
	readonly type: 'string';
	readonly default: string | undefined;
}

/** A command's options, by name (the node property's name and the library's option name). */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** The type a checked value of an option has. */
export type ValueOf<S extends OptionSpec> =
	S extends ChoiceSpec<infer C>
		? C
		: S extends BooleanSpec
			? boolean
			: S extends NumberSpec
				? undefined extends S['default']
					? number | undefined
					: number
				: S extends StringSpec
					? undefined extends S['default']
						? string | undefined
						: string
					: never;

/** Every option of a table, checked, defaults filled in. */
export type Resolved<T extends OptionTable> = { readonly [K in keyof T]: ValueOf<T[K]> };

/** Options as they arrive from a node, a CLI or code: anything, checked by `checkOption`. */
export type OptionsInput<T extends OptionTable> = Partial<Record<keyof T, unknown>>;

/** Declares a choice option, keeping its values' literal type. */
export function choice<const C extends string>(spec: Omit<ChoiceSpec<C>, 'type'>): ChoiceSpec<C> {
	return { type: 'choice', ...spec };
}

export function choiceValues<C extends string>(spec: ChoiceSpec<C>): readonly C[] {
	return Object.keys(spec.choices) as C[];
}

/** Multiplies without 0.2 × 100 turning into 20.000000000000004. */
export function scaled(value: number, scale: number): number {
	return scale === 1 ? value : Number((value * scale).toPrecision(12));
}

/** A number option's range as the errors give it: `between 1 and 128`, `at least 0`. */
export function rangeText(spec: NumberSpec, scale = 1): string {
	const min = scaled(spec.min, scale);
	return spec.max === undefined
		? `at least ${min}`
		: `between ${min} and ${scaled(spec.max, scale)}`;
}

/**
 * THE rule: the value an option takes, given what arrived (`undefined` or `null`: its default). `parameter` is the
 * name the user knows it by where it entered (node property, CLI flag, library option). `scale` checks a value shown
 * scaled (a percentage) against the scaled range, and returns it unscaled.
 */
export function checkOption<S extends OptionSpec>(
	spec: S,
	parameter: string,
	value: unknown,
	scale = 1,
): ValueOf<S> {
	if (value === undefined || value === null) return spec.default as ValueOf<S>;
	const fail = (message: string): never => {
		throw new InvalidParameterError(parameter, `${message}, got ${JSON.stringify(value)}`);
	};
	switch (spec.type) {
		case 'number':
		case 'integer': {
			const min = scaled(spec.min, scale);
			const max = spec.max === undefined ? Infinity : scaled(spec.max, scale);
			// Every refusal gives the range, so one message is enough to fix the value.
			const range = rangeText(spec, scale);
			if (typeof value !== 'number' || !Number.isFinite(value))
				return fail(`must be a number ${range}`);
			if (spec.type === 'integer' && !Number.isInteger(value))
				return fail(`must be a whole number ${range}`);
			// A relative tolerance keeps 0.00001 typed in an editor (which may arrive a rounding error below) inside the range.
			const slack = spec.type === 'integer' ? 0 : Math.abs(min) * 1e-9;
			if (value < min - slack || value > max + slack) return fail(`must be ${range}`);
			return (scale === 1 ? value : value / scale) as ValueOf<S>;
		}
		case 'boolean':
			if (typeof value !== 'boolean') return fail('must be true or false');
			return value as ValueOf<S>;
		case 'choice': {
			const alias = spec.aliases?.find(([old]) => old === value);
			if (alias) return alias[1] as ValueOf<S>;
			const values = choiceValues(spec);
			if (typeof value !== 'string' || !values.includes(value))
				return fail(`must be one of ${values.join(', ')}`);
			return value as ValueOf<S>;
		}
		case 'string':
			if (typeof value !== 'string') return fail('must be text');
			return value as ValueOf<S>;
	}
}
