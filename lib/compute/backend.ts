import * as fs from 'node:fs';
import * as tf from './tf';
import { BackendUnavailableError, InvalidParameterError } from '../errors';

/** What a user may ask for. `auto` takes the fastest that works here. */
export const BACKEND_CHOICES = ['auto', 'gpu', 'cpu-native', 'wasm', 'js'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendKind = Exclude<BackendChoice, 'auto'>;

export interface BackendReport {
	/** The backend that now runs every tensor operation. */
	readonly kind: BackendKind;
	/** tfjs's own name for it (`tensorflow`, `wasm`, `cpu`). */
	readonly tfjsName: string;
	/** One line for the user: what runs, and what to do to get something faster. */
	readonly summary: string;
	/** Why each better backend was not used, in order of preference. */
	readonly skipped: readonly { kind: BackendKind; reason: string }[];
}

export const NATIVE_PACKAGES: Record<'gpu' | 'cpu-native', string> = {
	gpu: '@tensorflow/tfjs-node-gpu',
	'cpu-native': '@tensorflow/tfjs-node',
};

const LABELS: Record<BackendKind, string> = {
	gpu: 'TensorFlow native (CUDA GPU)',
	'cpu-native': 'TensorFlow native (CPU)',
	wasm: 'WebAssembly (SIMD, 1 thread)',
	js: 'pure JavaScript',
};

let active: BackendReport | undefined;
let pending: Promise<BackendReport> | undefined;
let pendingChoice: BackendChoice | undefined;

export function parseBackendChoice(value: unknown, parameter = 'backend'): BackendChoice {
	if (typeof value === 'string' && (BACKEND_CHOICES as readonly string[]).includes(value)) {
		return value as BackendChoice;
	}
	throw new InvalidParameterError(
		parameter,
		`expected one of ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(value)}`,
	);
}

/**
 * Select and initialise the compute backend once per process. tfjs keeps one global engine, so a second call with
 * another explicit choice switches it; `auto` after a successful selection keeps what runs.
 */
export async function useBackend(choice: BackendChoice = 'auto'): Promise<BackendReport> {
	if (active && (choice === 'auto' || choice === active.kind)) return active;
	if (pending && pendingChoice === choice) return pending;
	pendingChoice = choice;
	pending = select(choice).finally(() => {
		pending = undefined;
		pendingChoice = undefined;
	});
	active = await pending;
	return active;
}

/** The backend chosen so far, if any. */
export function activeBackend(): BackendReport | undefined {
	return active;
}

/** The backend asked for; without a choice, the one already running, else what `auto` picks. */
export async function backendFor(choice?: BackendChoice): Promise<BackendReport> {
	return choice ? useBackend(choice) : (active ?? useBackend('auto'));
}

/**
 * WebAssembly and plain JS compute synchronously on the calling thread, on one core (tfjs's WASM threads do not work
 * in Node); the native backends run their own thread pools. So these are the ones that need worker threads to use
 * every core, or to leave the calling thread free.
 */
export function computesOnCallingThread(kind: BackendKind | undefined): boolean {
	return kind === 'wasm' || kind === 'js';
}

/**
 * RESNET18_BACKEND, when set, is what `auto` means on this host: an operator's way to keep every workflow and the
 * CLI on one backend (e.g. WebAssembly while a native build is in doubt) without editing workflows.
 */
export function hostBackendChoice(): BackendChoice {
	const value = process.env.RESNET18_BACKEND?.trim();
	return value ? parseBackendChoice(value, 'RESNET18_BACKEND') : 'auto';
}

async function select(asked: BackendChoice): Promise<BackendReport> {
	const choice = asked === 'auto' ? hostBackendChoice() : asked;
	const order: BackendKind[] = choice === 'auto' ? ['gpu', 'cpu-native', 'wasm', 'js'] : [choice];
	const skipped: { kind: BackendKind; reason: string }[] = [];
	for (const kind of order) {
		const failure = await tryStart(kind);
		if (failure === undefined) {
			const why = asked !== choice ? ` (chosen by RESNET18_BACKEND=${choice})` : '';
			return report(kind, skipped, why);
		}
		if (choice !== 'auto') {
			throw new BackendUnavailableError(kind, `Backend "${kind}" is not available: ${failure}`);
		}
		skipped.push({ kind, reason: failure });
	}
	// Unreachable in practice: the pure-JS backend ships with tfjs-core's companion package.
	throw new BackendUnavailableError('js', 'No TensorFlow.js backend could be started');
}

function report(
	kind: BackendKind,
	skipped: { kind: BackendKind; reason: string }[],
	why: string,
): BackendReport {
	const hint =
		skipped.length > 0
			? ` (skipped: ${skipped.map((s) => `${s.kind}: ${s.reason}`).join('; ')})`
			: '';
	return {
		kind,
		tfjsName: tf.getBackend(),
		summary: `Compute backend: ${LABELS[kind]}${why}${hint}`,
		skipped,
	};
}

/** Returns undefined when the backend now runs, or the reason it cannot. */
async function tryStart(kind: BackendKind): Promise<string | undefined> {
	switch (kind) {
		case 'gpu':
			if (!cudaDeviceVisible())
				return 'no CUDA device is visible (no /dev/nvidia0, or CUDA_VISIBLE_DEVICES hides it)';
			return startNative(NATIVE_PACKAGES.gpu);
		case 'cpu-native':
			return startNative(NATIVE_PACKAGES['cpu-native']);
		case 'wasm':
			return startWasm();
		case 'js':
			if (!(await tf.setBackend('cpu'))) return 'the tfjs CPU backend failed to start';
			// Our report already says how to get faster; tfjs's own banner would print into every n8n log.
			(tf.backend() as { firstUse?: boolean }).firstUse = false;
			return undefined;
	}
}

function cudaDeviceVisible(): boolean {
	const visible = process.env.CUDA_VISIBLE_DEVICES;
	if (visible !== undefined && (visible.trim() === '' || visible.trim() === '-1')) return false;
	return fs.existsSync('/dev/nvidia0') || fs.existsSync('/proc/driver/nvidia/gpus');
}

/**
 * The native packages register a `tensorflow` backend on the tfjs-core they resolve. They are optional peers
 * (their install downloads libtensorflow), so they may be missing, half-installed (install script skipped), or
 * resolve another tfjs-core copy — each gets its own actionable reason.
 */
async function startNative(pkg: string): Promise<string | undefined> {
	let resolved: string;
	try {
		resolved = require.resolve(pkg, { paths: [__dirname] });
	} catch {
		return `${pkg} is not installed (run: npx resnet18 native install${pkg.endsWith('-gpu') ? ' --gpu' : ''}; see README "Native engine")`;
	}
	// TensorFlow's C++ startup banner would otherwise print into every n8n log.
	process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
	try {
		// A runtime path found above, not a module name the compiler could see: only require() can load it.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		require(resolved);
	} catch (error) {
		const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
		return `${pkg} is installed but its native library failed to load (${detail}); reinstall it with install scripts enabled`;
	}
	if (!tf.findBackend('tensorflow')) {
		return `${pkg} registered its backend on another @tensorflow/tfjs-core copy; install ${pkg}@${tf.version_core} next to this package`;
	}
	return (await tf.setBackend('tensorflow'))
		? undefined
		: `${pkg} loaded but its backend failed to initialise`;
}

async function startWasm(): Promise<string | undefined> {
	try {
		// Imported lazily: loading the module compiles nothing, but keeps `js`-only runs free of it.
		await import('@tensorflow/tfjs-backend-wasm');
	} catch (error) {
		return `@tensorflow/tfjs-backend-wasm could not be loaded (${error instanceof Error ? error.message : String(error)})`;
	}
	try {
		return (await tf.setBackend('wasm'))
			? undefined
			: 'the WebAssembly module failed to initialise';
	} catch (error) {
		return `the WebAssembly module failed to initialise (${error instanceof Error ? error.message : String(error)})`;
	}
}
