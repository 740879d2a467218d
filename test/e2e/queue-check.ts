/**
 * Checks and drivers for the queue-mode e2e (queue.sh): `node dist/test/e2e/queue-check.js <command> [args…]`.
 *   burst URL IMAGE OUT.jsonl STOPFILE MAX AFTER CONCURRENCY   POST the image to the webhook, CONCURRENCY at a time,
 *                                      until AFTER more answers once STOPFILE exists, or MAX in all (127.0.0.1 only)
 *   answers OUT.jsonl LOGDIR WORKERS [--both] [--versions a,b] [--switch]   every answer 200 and unmixed, each
 *                                      execution found in exactly one worker's log (LOGDIR/<worker>.log)
 *   execution FILE FLATTED             a REST execution (GET /rest/executions/:id): prints {status, worker facts}
 *   audit LOCATION NAME                the store after a fault: every version complete, nothing half-written left
 * Each command prints what it saw; a failed check exits non-zero with the reason.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { closeModelStores, openModelStore, parseStoreLocation, readSafetensors } from '../../lib';

interface Answer {
	i: number;
	status: number;
	ms: number;
	body: Record<string, unknown> | string;
}

async function burst(args: string[]): Promise<void> {
	const [url, image, out, stopFile, maxText, afterText, concurrencyText] = args;
	const max = Number(maxText);
	const after = Number(afterText);
	const concurrency = Number(concurrencyText);
	assert.ok(new URL(url).hostname === '127.0.0.1', 'the burst talks to 127.0.0.1 only');
	const bytes = fs.readFileSync(image);
	const lines: string[] = [];
	let sent = 0;
	let stopAt = Infinity;
	const one = async (): Promise<void> => {
		while (sent < Math.min(max, stopAt)) {
			const i = sent++;
			if (stopAt === Infinity && fs.existsSync(stopFile)) stopAt = sent + after;
			const form = new FormData();
			form.append('data', new Blob([bytes], { type: 'image/png' }), path.basename(image));
			const t0 = performance.now();
			let answer: Answer;
			try {
				const res = await fetch(url, {
					method: 'POST',
					body: form,
					signal: AbortSignal.timeout(120_000),
				});
				const text = await res.text();
				let body: Answer['body'] = text;
				try {
					body = JSON.parse(text) as Record<string, unknown>;
				} catch {
					/* kept as text: the check reports it */
				}
				answer = { i, status: res.status, ms: Math.round(performance.now() - t0), body };
			} catch (error) {
				answer = { i, status: 0, ms: Math.round(performance.now() - t0), body: String(error) };
			}
			lines.push(JSON.stringify(answer));
		}
	};
	await Promise.all(Array.from({ length: concurrency }, one));
	fs.writeFileSync(out, lines.join('\n') + '\n');
	console.log(`burst: ${lines.length} requests to ${url} (${concurrency} at a time)`);
}

/** Which worker ran each execution, from n8n's own "Worker started execution N (job M)" log lines. */
function workerOfExecutions(logDir: string, workers: string[]): Map<string, string[]> {
	const seen = new Map<string, string[]>();
	for (const worker of workers) {
		const log = fs.readFileSync(path.join(logDir, `${worker}.log`), 'utf8');
		for (const m of log.matchAll(/Worker started execution (\d+) \(job/g))
			seen.set(m[1], [...(seen.get(m[1]) ?? []), worker]);
	}
	return seen;
}

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function answers(args: string[]): void {
	const [file, logDir, workerList, ...flags] = args;
	const workers = workerList.split(',');
	const rows = fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((l) => JSON.parse(l) as Answer);
	assert.ok(rows.length > 0, 'no answers');
	const failed = rows.filter((r) => r.status !== 200 || typeof r.body !== 'object');
	assert.equal(
		failed.length,
		0,
		`${failed.length} of ${rows.length} answers failed, e.g. ${JSON.stringify(failed.slice(0, 3))}`,
	);
	const byWorker = workerOfExecutions(logDir, workers);
	const runs = rows.map((r) => {
		const body = r.body as Record<string, unknown>;
		const model = body.model as { version?: unknown } | undefined;
		const version = Number(body.modelVersion);
		assert.ok(
			Number.isInteger(version) && version > 0,
			`answer ${r.i} has no modelVersion: ${JSON.stringify(body)}`,
		);
		// One execution naming two versions is a mixed answer.
		assert.equal(
			Number(model?.version),
			version,
			`answer ${r.i}: model.version differs from modelVersion`,
		);
		const execution = String(body.executionId);
		const ranOn = byWorker.get(execution) ?? [];
		assert.equal(
			ranOn.length,
			1,
			`execution ${execution} found in ${ranOn.length} worker logs (${ranOn.join(', ')})`,
		);
		return { execution: Number(execution), worker: ranOn[0], version, ms: r.ms, i: r.i };
	});
	const summary: Record<string, Record<string, number>> = {};
	for (const worker of workers) {
		// A worker must never answer with an older version after a newer one: executions in the order they started.
		const mine = runs.filter((r) => r.worker === worker).sort((a, b) => a.execution - b.execution);
		for (let k = 1; k < mine.length; k++)
			assert.ok(
				mine[k].version >= mine[k - 1].version,
				`${worker} answered v${mine[k].version} (execution ${mine[k].execution}) after v${mine[k - 1].version} (execution ${mine[k - 1].execution})`,
			);
		summary[worker] = {};
		for (const r of mine)
			summary[worker][`v${r.version}`] = (summary[worker][`v${r.version}`] ?? 0) + 1;
	}
	if (flags.includes('--both'))
		for (const worker of workers)
			assert.ok(
				Object.keys(summary[worker]).length > 0,
				`${worker} answered none of the ${rows.length} requests`,
			);
	const versions = [...new Set(runs.map((r) => r.version))].sort((a, b) => a - b);
	const wanted = flags.indexOf('--versions');
	if (wanted >= 0) {
		const allowed = flags[wanted + 1].split(',').map(Number);
		assert.ok(
			versions.every((v) => allowed.includes(v)),
			`versions answered ${versions.join(',')}, allowed ${allowed.join(',')}`,
		);
	}
	let switchText = '';
	if (flags.includes('--switch')) {
		assert.ok(
			versions.length === 2,
			`the answers name ${versions.length} version(s) (${versions.join(',')}), not a switch from one to the next`,
		);
		const byRequest = [...runs].sort((a, b) => a.i - b.i);
		const first = byRequest.findIndex((r) => r.version === versions[1]);
		const lastOld = byRequest.map((r) => r.version).lastIndexOf(versions[0]);
		switchText = `; request ${first + 1} was the first answered with v${versions[1]}, request ${lastOld + 1} the last with v${versions[0]}`;
	}
	const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
	console.log(
		`PASS ${rows.length} answers, 0 failed, 0 mixed; per worker ${JSON.stringify(summary)}; latency p50 ${percentile(ms, 0.5)} ms, p95 ${percentile(ms, 0.95)} ms, max ${ms[ms.length - 1]} ms${switchText}`,
	);
}

interface RestExecution {
	data: { status: string; data: string };
}

/** A REST execution's status and its Train ResNet-18 output, read with n8n's own `flatted`. */
function execution(args: string[]): void {
	const [file, flattedDir] = args;
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const flatted = require(flattedDir) as { parse: (text: string) => unknown };
	const rest = JSON.parse(fs.readFileSync(file, 'utf8')) as RestExecution;
	const run = flatted.parse(rest.data.data) as {
		resultData: {
			error?: { message?: string };
			runData: Record<string, { data?: { main?: { json: Record<string, unknown> }[][] } }[]>;
		};
	};
	const train = run.resultData.runData['Train ResNet-18']?.[0]?.data?.main?.[0]?.[0]?.json;
	const evaluate = run.resultData.runData['Evaluate ResNet-18']?.[0]?.data?.main?.[0]?.[0]?.json;
	const model = (train?.model ?? {}) as Record<string, unknown>;
	console.log(
		JSON.stringify({
			status: rest.data.status,
			error: run.resultData.error?.message,
			version: model.version,
			published: model.published,
			liveVersion: model.liveVersion,
			store: model.store,
			binary: train
				? 'model' in
					((
						run.resultData.runData['Train ResNet-18'][0].data?.main?.[0]?.[0] as { binary?: object }
					).binary ?? {})
				: undefined,
			validationAccuracy: train?.validationAccuracy,
			seconds: train?.seconds,
			evaluatedVersion: (evaluate?.model as Record<string, unknown> | undefined)?.version,
			evaluatedAccuracy: evaluate?.accuracy,
		}),
	);
}

/** After a fault: every version readable and whole, the live one among them, and nothing half-written left over. */
async function audit(args: string[]): Promise<void> {
	const [location, name] = args;
	const config = parseStoreLocation(location);
	const store = openModelStore(config);
	const versions = await store.listVersions(name);
	const live = await store.liveVersion(name);
	for (const v of versions)
		readSafetensors(await store.readVersion(name, v.version, 'float32'), `${name} v${v.version}`);
	assert.ok(
		!live || versions.some((v) => v.version === live.version),
		`live v${live?.version} is not a stored version`,
	);
	const left: string[] = [];
	if (config.backend === 'folder') {
		for (const f of fs.readdirSync(path.join(config.folder, name)))
			if (!/^(v\d{4}(\.float16)?\.safetensors|v\d{4}\.int8\.onnx|LIVE)$/.test(f)) left.push(f);
	} else {
		const client = new Client({ connectionString: location.replace(/\?.*$/, '') });
		await client.connect();
		const count = async (sql: string) => Number((await client.query(sql)).rows[0].n);
		const orphanFiles = await count(
			`SELECT count(*) AS n FROM resnet18.model_files f WHERE NOT EXISTS (SELECT 1 FROM resnet18.model_versions v WHERE v.name = f.name AND v.version = f.version)`,
		);
		const emptyVersions = await count(
			`SELECT count(*) AS n FROM resnet18.model_versions v WHERE NOT EXISTS (SELECT 1 FROM resnet18.model_files f WHERE f.name = v.name AND f.version = v.version AND f.precision = 'float32')`,
		);
		await client.end();
		if (orphanFiles) left.push(`${orphanFiles} model_files rows without a version`);
		if (emptyVersions) left.push(`${emptyVersions} versions without float32 bytes`);
	}
	await closeModelStores();
	assert.deepEqual(left, [], `left over in ${store.description}: ${left.join(', ')}`);
	console.log(
		JSON.stringify({
			versions: versions.map((v) => v.version),
			live: live?.version ?? null,
			store: store.description,
		}),
	);
}

const commands: Record<string, (args: string[]) => void | Promise<void>> = {
	burst,
	answers,
	execution,
	audit,
};

async function main(): Promise<void> {
	const [command, ...args] = process.argv.slice(2);
	const run = commands[command];
	if (!run)
		throw new Error(`unknown command ${command}; one of ${Object.keys(commands).join(', ')}`);
	await run(args);
}

main().catch((error: unknown) => {
	console.error(
		`FAIL ${process.argv[2]}: ${error instanceof Error ? error.message : String(error)}`,
	);
	process.exit(1);
});
