import { InvalidParameterError } from '../errors';

/** A model's name is a folder name in a folder store and a key in Postgres: the same rule for both. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkModelName(name: unknown, parameter = 'modelName'): string {
	if (typeof name !== 'string' || !NAME.test(name) || name.includes('..')) {
		throw new InvalidParameterError(
			parameter,
			`must be 1–100 letters, digits, ".", "_" or "-" (no slashes), got ${JSON.stringify(name)}`,
		);
	}
	return name;
}
