import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';

/** A fresh temporary folder, removed when the test file finishes. */
export function tempDir(prefix = 'resnet18-test-'): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	after(() => fs.rmSync(dir, { recursive: true, force: true }));
	return dir;
}
