import * as path from 'node:path';
import { useBackend, type BackendChoice, type BackendReport } from '../../lib/compute/backend';

/** Tests run on what `auto` picks (WASM on our CI), or on RESNET18_TEST_BACKEND when set. */
export function testBackend(): Promise<BackendReport> {
	return useBackend((process.env.RESNET18_TEST_BACKEND as BackendChoice | undefined) ?? 'auto');
}

/**
 * Whether the tests' backend will compute on the calling thread (WebAssembly or JS), known before it starts, so
 * that a suite about worker threads can be declared skipped (jest decides skips when it collects tests). The suite
 * checks the guess against the backend that then runs.
 */
export function testBackendComputesHere(): boolean {
	const choice = process.env.RESNET18_TEST_BACKEND;
	if (choice) return choice === 'wasm' || choice === 'js';
	const lib = path.join(__dirname, '../../lib/compute');
	return ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].every((pkg) => {
		try {
			require.resolve(pkg, { paths: [lib] });
			return false;
		} catch {
			return true;
		}
	});
}
