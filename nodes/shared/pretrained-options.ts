import type { INodePropertyOptions } from 'n8n-workflow';
import { PRETRAINED_SOURCE_NAMES, PRETRAINED_SOURCES } from '../../lib';

/**
 * The published weights as options of a node parameter, from the library's table: the value is the source's key
 * (stored in workflows), the description the table's text. `name` turns the table's label into the option's name,
 * for lists where the ImageNet choices sit among others ("ImageNet (Torchvision)" beside "File").
 */
export function pretrainedSourceOptions(
	name: (label: string) => string = (label) => label,
): INodePropertyOptions[] {
	return PRETRAINED_SOURCE_NAMES.map((source) => ({
		name: name(PRETRAINED_SOURCES[source].ui.label),
		value: source,
		description: PRETRAINED_SOURCES[source].ui.description,
	}));
}
