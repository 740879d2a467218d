// Every test's name and result as it runs (jest's verbose reporter, without its summary: counts-reporter.js has it).
module.exports = require('@jest/reporters').VerboseReporter;
