import { createHash } from 'node:crypto';
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { ModelStoreError } from '../errors';
import { writerTag } from '../temp-files';
import { faultPause } from './fault-hook';
import type {
	ModelStore,
	Precision,
	PublishMode,
	PublishResult,
	StoredVersion,
	VersionInfo,
} from './model-store';
import { isPrecision } from './model-store';
import { checkModelName } from './model-name';

/**
 * Models in Postgres, the database every n8n queue-mode deployment already runs. Our own schema (default
 * `resnet18`), created on first use:
 *   models(name, live_version)                           one row per name: the live pointer (NULL: none live)
 *   model_versions(name, version, created_at, writer, info)
 *   model_files(name, version, precision, bytes, sha256)   each precision's bytes
 *
 * A version is claimed and written in one transaction that holds the name's `models` row locked, so two savers
 * get two numbers, and a killed writer (SIGKILL, a lost host) leaves nothing: Postgres rolls back the transaction
 * when the connection drops. The pointer moves in one UPDATE whose WHERE clause is the compare-and-swap.
 */
export interface PostgresStoreConfig {
	readonly host: string;
	readonly port: number;
	readonly database: string;
	readonly user: string;
	readonly password: string;
	readonly schema: string;
	readonly ssl: boolean;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: unknown): string {
	if (typeof schema !== 'string' || !SCHEMA.test(schema))
		throw new ModelStoreError(
			'postgres',
			`schema must be a lower-case SQL name (letters, digits, "_"), got ${JSON.stringify(schema)}`,
		);
	return schema;
}

export class PostgresModelStore implements ModelStore {
	readonly kind = 'postgres' as const;
	private readonly pool: Pool;
	private readonly schema: string;
	private ready?: Promise<void>;

	constructor(private readonly config: PostgresStoreConfig) {
		this.schema = checkSchemaName(config.schema);
		const poolConfig: PoolConfig = {
			host: config.host,
			port: config.port,
			database: config.database,
			user: config.user,
			password: config.password,
			ssl: config.ssl ? { rejectUnauthorized: false } : undefined,
			max: 4,
			idleTimeoutMillis: 10_000,
			connectionTimeoutMillis: 10_000,
			// A kill of this process must drop the connection at once, so Postgres rolls back what it was writing.
			keepAlive: true,
		};
		this.pool = new Pool(poolConfig);
		// An idle client's error (the server restarted) must not crash the n8n process; the next query reconnects.
		this.pool.on('error', () => undefined);
	}

	get description(): string {
		return `postgres ${this.config.host}:${this.config.port}/${this.config.database} schema ${this.schema}`;
	}

	get id(): string {
		return `postgres:${this.config.user}@${this.config.host}:${this.config.port}/${this.config.database}/${this.schema}`;
	}

	private table(name: 'models' | 'model_versions' | 'model_files'): string {
		return `"${this.schema}"."${name}"`;
	}

	private fail(message: string, error: unknown, model?: string): ModelStoreError {
		const detail = error instanceof Error ? error.message : String(error);
		return new ModelStoreError(this.description, `${message} (${detail})`, model, { cause: error });
	}

	private async client(): Promise<PoolClient> {
		try {
			return await this.pool.connect();
		} catch (error) {
			throw this.fail('cannot connect', error);
		}
	}

	/** Create the schema and tables once per process; concurrent creators wait on an advisory lock. */
	private ensureSchema(): Promise<void> {
		this.ready ??= (async () => {
			const client = await this.client();
			try {
				await client.query('BEGIN');
				await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
					`resnet18-schema:${this.schema}`,
				]);
				await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
				await client.query(`CREATE TABLE IF NOT EXISTS ${this.table('models')} (
					name text PRIMARY KEY,
					live_version integer,
					updated_at timestamptz NOT NULL DEFAULT now())`);
				await client.query(`CREATE TABLE IF NOT EXISTS ${this.table('model_versions')} (
					name text NOT NULL REFERENCES ${this.table('models')} (name),
					version integer NOT NULL CHECK (version > 0),
					created_at timestamptz NOT NULL DEFAULT now(),
					writer text NOT NULL,
					info jsonb NOT NULL DEFAULT '{}',
					PRIMARY KEY (name, version))`);
				await client.query(`CREATE TABLE IF NOT EXISTS ${this.table('model_files')} (
					name text NOT NULL,
					version integer NOT NULL,
					precision text NOT NULL CHECK (precision IN ('float32', 'float16', 'int8')),
					bytes bytea NOT NULL,
					size bigint NOT NULL,
					sha256 text NOT NULL,
					PRIMARY KEY (name, version, precision),
					FOREIGN KEY (name, version) REFERENCES ${this.table('model_versions')} (name, version) ON DELETE CASCADE)`);
				await client.query('COMMIT');
			} catch (error) {
				await client.query('ROLLBACK').catch(() => undefined);
				throw this.fail(`cannot create schema "${this.schema}"`, error);
			} finally {
				client.release();
			}
		})();
		this.ready.catch(() => (this.ready = undefined));
		return this.ready;
	}

	private async query<R extends object>(
		sql: string,
		values: unknown[],
		model?: string,
	): Promise<R[]> {
		await this.ensureSchema();
		try {
			return (await this.pool.query<R>(sql, values)).rows;
		} catch (error) {
			throw this.fail('query failed', error, model);
		}
	}

	async checkWritable(name: string): Promise<void> {
		checkModelName(name);
		await this.ensureSchema();
	}

	async listVersions(name: string): Promise<StoredVersion[]> {
		checkModelName(name);
		const rows = await this.query<{ version: number; precisions: string[]; size: string | null }>(
			`SELECT v.version,
				array_agg(f.precision ORDER BY f.precision) AS precisions,
				max(f.size) FILTER (WHERE f.precision = 'float32') AS size
			FROM ${this.table('model_versions')} v JOIN ${this.table('model_files')} f USING (name, version)
			WHERE v.name = $1 GROUP BY v.version ORDER BY v.version`,
			[name],
			name,
		);
		return rows
			.filter((r) => r.precisions.includes('float32'))
			.map((r) => ({
				name,
				version: r.version,
				precisions: r.precisions.filter(isPrecision),
				bytes: Number(r.size ?? 0),
				location: `${this.description} model "${name}" v${r.version}`,
			}));
	}

	async liveVersion(name: string): Promise<StoredVersion | undefined> {
		const rows = await this.query<{ live_version: number | null }>(
			`SELECT live_version FROM ${this.table('models')} WHERE name = $1`,
			[checkModelName(name)],
			name,
		);
		const live = rows[0]?.live_version;
		if (live === undefined || live === null) return undefined;
		return (await this.listVersions(name)).find((v) => v.version === live);
	}

	async saveVersion(
		name: string,
		bytes: Uint8Array,
		info: VersionInfo = {},
	): Promise<StoredVersion> {
		checkModelName(name);
		await this.ensureSchema();
		const client = await this.client();
		try {
			await client.query('BEGIN');
			await client.query(
				`INSERT INTO ${this.table('models')} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
				[name],
			);
			// Row lock on the name: concurrent savers queue here, each then sees the others' committed versions.
			await client.query(`SELECT name FROM ${this.table('models')} WHERE name = $1 FOR UPDATE`, [
				name,
			]);
			const next = await client.query<{ version: number }>(
				`SELECT coalesce(max(version), 0) + 1 AS version FROM ${this.table('model_versions')} WHERE name = $1`,
				[name],
			);
			const version = next.rows[0]!.version;
			await client.query(
				`INSERT INTO ${this.table('model_versions')} (name, version, writer, info) VALUES ($1, $2, $3, $4)`,
				[name, version, writerTag(), JSON.stringify(info)],
			);
			await this.insertFile(client, name, version, 'float32', bytes);
			await faultPause('save', `${name} v${version}`);
			await client.query('COMMIT');
			return {
				name,
				version,
				precisions: ['float32'],
				bytes: bytes.byteLength,
				location: `${this.description} model "${name}" v${version}`,
			};
		} catch (error) {
			await client.query('ROLLBACK').catch(() => undefined);
			throw error instanceof ModelStoreError
				? error
				: this.fail('cannot save a version', error, name);
		} finally {
			client.release();
		}
	}

	private async insertFile(
		client: PoolClient,
		name: string,
		version: number,
		precision: Precision,
		bytes: Uint8Array,
	): Promise<void> {
		const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		await client.query(
			`INSERT INTO ${this.table('model_files')} (name, version, precision, bytes, size, sha256)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (name, version, precision) DO UPDATE SET bytes = EXCLUDED.bytes, size = EXCLUDED.size, sha256 = EXCLUDED.sha256`,
			[
				name,
				version,
				precision,
				buffer,
				buffer.byteLength,
				createHash('sha256').update(buffer).digest('hex'),
			],
		);
	}

	async addPrecision(
		name: string,
		version: number,
		precision: Precision,
		bytes: Uint8Array,
	): Promise<void> {
		await this.requireVersion(name, version);
		const client = await this.client();
		try {
			await this.insertFile(client, name, version, precision, bytes);
		} catch (error) {
			throw this.fail(`cannot add ${precision} to v${version}`, error, name);
		} finally {
			client.release();
		}
	}

	async readVersion(
		name: string,
		version: number,
		precision: Precision = 'float32',
	): Promise<Uint8Array> {
		const rows = await this.query<{ bytes: Buffer; sha256: string }>(
			`SELECT bytes, sha256 FROM ${this.table('model_files')} WHERE name = $1 AND version = $2 AND precision = $3`,
			[checkModelName(name), version, precision],
			name,
		);
		const row = rows[0];
		if (!row)
			throw new ModelStoreError(
				this.description,
				`model "${name}" v${version} has no ${precision} file`,
				name,
			);
		// Bytes that changed after they were written (a restore gone wrong) must not load as a model.
		if (createHash('sha256').update(row.bytes).digest('hex') !== row.sha256)
			throw new ModelStoreError(
				this.description,
				`model "${name}" v${version} ${precision}: checksum mismatch`,
				name,
			);
		return row.bytes;
	}

	private async requireVersion(name: string, version: number): Promise<void> {
		const rows = await this.query<{ version: number }>(
			`SELECT version FROM ${this.table('model_versions')} WHERE name = $1 AND version = $2`,
			[checkModelName(name), version],
			name,
		);
		if (rows.length === 0)
			throw new ModelStoreError(
				this.description,
				`model "${name}" has no version ${version}`,
				name,
			);
	}

	async publish(name: string, version: number, mode: PublishMode): Promise<PublishResult> {
		await this.requireVersion(name, version);
		const client = await this.client();
		try {
			await client.query('BEGIN');
			const current = await client.query<{ live_version: number | null }>(
				`SELECT live_version FROM ${this.table('models')} WHERE name = $1 FOR UPDATE`,
				[name],
			);
			const previous = current.rows[0]?.live_version ?? null;
			if (mode === 'forward' && previous !== null && previous >= version) {
				await client.query('COMMIT');
				return { live: previous, previous, moved: false };
			}
			await faultPause('publish', `${name} v${version}`);
			await client.query(
				`UPDATE ${this.table('models')} SET live_version = $2, updated_at = now() WHERE name = $1`,
				[name, version],
			);
			await client.query('COMMIT');
			return { live: version, previous, moved: true };
		} catch (error) {
			await client.query('ROLLBACK').catch(() => undefined);
			throw this.fail(`cannot publish v${version}`, error, name);
		} finally {
			client.release();
		}
	}

	async close(): Promise<void> {
		await this.pool.end();
	}
}
