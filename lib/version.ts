import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** This package's version, read from its package.json (found upward from the compiled file, wherever it is installed). */
export function packageVersion(): string {
	if (cached) return cached;
	for (let dir = __dirname; ; dir = path.dirname(dir)) {
		const candidate = path.join(dir, 'package.json');
		if (fs.existsSync(candidate)) {
			const json = JSON.parse(fs.readFileSync(candidate, 'utf8')) as {
				name?: string;
				version?: string;
			};
			if (json.name === 'n8n-nodes-resnet18' && json.version) return (cached = json.version);
		}
		if (path.dirname(dir) === dir) return (cached = '0.0.0');
	}
}
