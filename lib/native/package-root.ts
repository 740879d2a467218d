import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Our package's folder: the one holding our package.json, found upward from this compiled file. The native package is
 * installed in its node_modules, so that it resolves the same @tensorflow/tfjs-core copy we use — also under n8n's
 * ~/.n8n/nodes/node_modules/n8n-nodes-resnet18.
 */
export function packageRoot(from: string = __dirname): string {
	for (let dir = from; ; dir = path.dirname(dir)) {
		const candidate = path.join(dir, 'package.json');
		if (fs.existsSync(candidate)) {
			const json = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string };
			if (json.name === 'n8n-nodes-resnet18') return dir;
		}
		if (path.dirname(dir) === dir)
			throw new Error(`no n8n-nodes-resnet18 package.json above ${from}`);
	}
}

/** Where a native npm package goes: `<our package>/node_modules/<name>`. */
export function nativeTarget(root: string, npmPackage: string): string {
	return path.join(root, 'node_modules', ...npmPackage.split('/'));
}
