// jest's own summary, then the run's last line, `N passed, N failed` (`, N skipped` when some were), which CI
// reads. Listed in place of jest's "default" so that nothing prints after that line.
const { SummaryReporter } = require('@jest/reporters');

class CountsReporter extends SummaryReporter {
	onRunComplete(contexts, results) {
		super.onRunComplete(contexts, results);
		const skipped = results.numPendingTests + results.numTodoTests;
		const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
		process.stderr.write(
			`\n${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
		);
	}
}

module.exports = CountsReporter;
