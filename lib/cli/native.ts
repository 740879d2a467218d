import { Command, Option } from 'commander';
import { installNative, type NativeInstallResult } from '../native/install';
import { nativeTarget, packageRoot } from '../native/package-root';
import { readStamp } from '../native/stamp';
import { variantFor } from '../native/variant';

/** `resnet18 native …`: build and check the native TensorFlow engine without tfjs-node's install script. */
export function nativeCommand(): Command {
	const native = new Command('native').description(
		'the native TensorFlow engine (tfjs-node built against TensorFlow 2.21)',
	);
	native
		.command('install')
		.description(
			"build @tensorflow/tfjs-node 4.22 against the libtensorflow of TensorFlow 2.21's pip wheel, into this package's node_modules",
		)
		.option('--gpu', 'build @tensorflow/tfjs-node-gpu from the CUDA wheels instead')
		.option('--wheel <file|url>', 'use this TensorFlow wheel instead of pip download')
		.option('--index-url <url>', 'PyPI mirror for pip download')
		.option('--force', 'rebuild even when the same build is installed')
		.addOption(
			new Option(
				'--allow-cpu-wheel-for-gpu',
				'plumbing check: build the GPU package against a CPU wheel',
			).hideHelp(),
		)
		.action(
			async (o: {
				gpu?: boolean;
				wheel?: string;
				indexUrl?: string;
				force?: boolean;
				allowCpuWheelForGpu?: boolean;
			}) => {
				const log = (line: string) => process.stderr.write(`${line}\n`);
				if (o.gpu) log('GPU path not verified on a GPU');
				const result = await installNative({ ...o, log });
				process.stdout.write(`${resultLine(result)}\n`);
				if (o.gpu) log('GPU path not verified on a GPU');
			},
		);
	native
		.command('status')
		.description('what native build is installed (from its stamp)')
		.option('--gpu', 'the GPU package')
		.action((o: { gpu?: boolean }) => {
			const target = nativeTarget(packageRoot(), variantFor(o.gpu ?? false).npmPackage);
			const stamp = readStamp(target);
			process.stdout.write(
				`${JSON.stringify({ target, installed: stamp !== undefined, stamp }, null, 2)}\n`,
			);
		});
	return native;
}

function resultLine(r: NativeInstallResult): string {
	const v = r.verify;
	const head = r.alreadyInstalled ? 'already installed' : 'installed';
	const note = v.note ? ` (${v.note})` : '';
	return `${head}: backend ${v.backend} TF ${v.tfVersion} max|Δ| vs wasm ${v.maxDelta?.toExponential(2)} in ${r.seconds.toFixed(1)} s at ${r.target}${note}${r.alreadyInstalled ? ' (use --force to rebuild)' : ''}`;
}
