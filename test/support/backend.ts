import { useBackend, type BackendChoice, type BackendReport } from '../../lib/compute/backend';

/** Tests run on what `auto` picks (WASM on our CI), or on RESNET18_TEST_BACKEND when set. */
export function testBackend(): Promise<BackendReport> {
	return useBackend((process.env.RESNET18_TEST_BACKEND as BackendChoice | undefined) ?? 'auto');
}
