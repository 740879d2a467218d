import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where this package keeps what it creates: `<n8n user folder>/.n8n/resnet18/{models,datasets}`. n8n itself keeps its
 * data in `$N8N_USER_FOLDER/.n8n` (home by default), so our files live and get backed up beside the instance's.
 */
export function packageFolder(): string {
	const userFolder = process.env.N8N_USER_FOLDER?.trim() || os.homedir();
	return path.join(userFolder, '.n8n', 'resnet18');
}

export function modelsFolder(): string {
	return process.env.RESNET18_MODELS_FOLDER?.trim() || path.join(packageFolder(), 'models');
}

export function datasetsFolder(): string {
	return path.join(packageFolder(), 'datasets');
}

export function isInside(child: string, parent: string): boolean {
	const relative = path.relative(parent, child);
	return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
