// jest runs each test file in a vm context of its own, with its own Array, Object, typed-array and error
// constructors, while Node's own code (fs, worker threads, sharp, WebAssembly) makes objects of the main realm:
// `deepStrictEqual` then fails on equal arrays and tfjs refuses typed arrays that are fine. Tests here run in the
// main realm instead, as under a plain `node` process; each file still gets a process of its own (jest.config.js
// recycles the worker after every file) and jest's own module registry.
const vm = require('node:vm');
const { TestEnvironment } = require('jest-environment-node');

/** Contexts that stand for "the main realm": code compiled for them is compiled in the current context. */
const mainRealm = new WeakSet();

const compileFunction = vm.compileFunction;
vm.compileFunction = function (code, params, options) {
	if (options && mainRealm.has(options.parsingContext)) {
		const { parsingContext: _ignored, ...rest } = options;
		return compileFunction.call(this, code, params, rest);
	}
	return compileFunction.call(this, code, params, options);
};

class NodeRealmEnvironment extends TestEnvironment {
	constructor(config, context) {
		super(config, context);
		// jest installs describe/it/expect on this object, and test code reads globals from it.
		this.global = globalThis;
		this.context = vm.createContext();
		mainRealm.add(this.context);
	}
}

module.exports = NodeRealmEnvironment;
