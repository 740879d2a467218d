import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from '@jest/globals';

const made: string[] = [];

// Registered once per test file, when the file first imports this module (jest hooks cannot be added inside a test).
afterAll(() => {
	for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test file finishes. */
export function tempDir(prefix = 'resnet18-test-'): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	made.push(dir);
	return dir;
}
