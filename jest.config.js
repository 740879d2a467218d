// jest runs the compiled tests (npm run build first): worker threads load compiled JS, and fixture paths are
// resolved from dist/test as they are at run time. One file at a time, each in a fresh worker process (the idle
// memory limit is always exceeded, so the worker is replaced after every file), as `node --test` did: every file
// starts its own tfjs engine and WebAssembly heap, which a shared process would keep.
const suites = {
	unit: ['<rootDir>/dist/test/*.test.js', '<rootDir>/dist/test/nodes/*.test.js'],
	scale: ['<rootDir>/dist/test/scale/*.test.js'],
	fuzz: ['<rootDir>/dist/test/fuzz/*.test.js'],
};
const suite = process.env.RESNET18_TEST_SUITE ?? 'unit';
if (!suites[suite]) {
	throw new Error(`RESNET18_TEST_SUITE: expected one of ${Object.keys(suites).join(', ')}`);
}

module.exports = {
	rootDir: __dirname,
	testMatch: suites[suite],
	testEnvironment: '<rootDir>/test/jest/node-realm-environment.js',
	testEnvironmentOptions: { globalsCleanup: 'off' },
	maxWorkers: 1,
	workerIdleMemoryLimit: '1MB',
	testTimeout: 30 * 60 * 1000,
	reporters: ['<rootDir>/test/jest/verbose-reporter.js', '<rootDir>/test/jest/counts-reporter.js'],
};

// RESNET18_TEST_BACKEND runs every test on that backend: lib's `auto` follows RESNET18_BACKEND (inherited by the
// test processes, their worker threads and the n8n they start), so a file that never names a backend uses it too.
if (process.env.RESNET18_TEST_BACKEND)
	process.env.RESNET18_BACKEND = process.env.RESNET18_TEST_BACKEND;
