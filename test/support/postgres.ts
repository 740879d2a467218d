import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { parseStoreLocation, type ModelStoreConfig } from '../../lib/model-store/open-store';

/**
 * The real Postgres the store specs run against: RESNET18_TEST_POSTGRES (a postgres:// URL; `.ci/run` starts one
 * with scripts/services.sh and sets it). Each spec file gets a schema of its own, dropped afterwards. Without the
 * variable the Postgres cases are skipped with a line saying so, except under CI, where that is a failure.
 */
export const POSTGRES_URL = process.env.RESNET18_TEST_POSTGRES?.trim() || undefined;

if (!POSTGRES_URL) {
	if (process.env.CI === 'true')
		throw new Error(
			'RESNET18_TEST_POSTGRES is not set: .ci/run starts Postgres (scripts/services.sh) and sets it',
		);
	process.stderr.write(
		'SKIPPED the Postgres model-store cases: set RESNET18_TEST_POSTGRES (scripts/services.sh start DIR; source DIR/env)\n',
	);
}

export function freshSchema(): string {
	return `t_${randomBytes(5).toString('hex')}`;
}

export function postgresLocation(schema: string): string {
	return `${POSTGRES_URL}?schema=${schema}`;
}

export function postgresConfig(schema: string): ModelStoreConfig {
	return parseStoreLocation(postgresLocation(schema));
}

export async function dropSchema(schema: string): Promise<void> {
	if (!POSTGRES_URL) return;
	const client = new Client({ connectionString: POSTGRES_URL });
	await client.connect();
	try {
		await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
	} finally {
		await client.end();
	}
}

/** Rows of one of the store's tables, straight from Postgres (what a killed writer may have left). */
export async function countRows(schema: string, table: string, where = 'true'): Promise<number> {
	const client = new Client({ connectionString: POSTGRES_URL });
	await client.connect();
	try {
		const result = await client.query<{ n: string }>(
			`SELECT count(*) AS n FROM "${schema}"."${table}" WHERE ${where}`,
		);
		return Number(result.rows[0]!.n);
	} finally {
		await client.end();
	}
}
