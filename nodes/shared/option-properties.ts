import type { IExecuteFunctions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import {
	choiceValues,
	checkOption,
	scaled,
	type OptionSpec,
	type OptionTable,
	type Resolved,
} from '../../lib';

/** The editor's property for one option of a table: name, type, default, range and advice all from the table. */
export function optionProperty<T extends OptionTable>(
	table: T,
	name: keyof T & string,
): INodeProperties {
	const spec: OptionSpec = table[name];
	const node = spec.node;
	if (!node) throw new Error(`option ${name} has no place on the node`);
	const scale = node.scale ?? 1;
	const property: INodeProperties = {
		displayName: node.displayName,
		name,
		type: 'string',
		default: '',
	};
	switch (spec.type) {
		case 'number':
		case 'integer':
			property.type = 'number';
			property.typeOptions = {
				minValue: scaled(spec.min, scale),
				...(spec.max === undefined ? {} : { maxValue: scaled(spec.max, scale) }),
				numberPrecision: node.precision ?? (spec.type === 'integer' ? 0 : 2),
			};
			property.default =
				spec.default === undefined ? (node.editorDefault ?? 0) : scaled(spec.default, scale);
			break;
		case 'boolean':
			property.type = 'boolean';
			property.default = spec.default;
			break;
		case 'choice':
			property.type = 'options';
			property.options = choiceValues(spec).map((value): INodePropertyOptions => {
				const label = spec.choices[value];
				return label.description === undefined
					? { name: label.name, value }
					: { name: label.name, value, description: label.description };
			});
			property.default = spec.default;
			break;
		case 'string':
			property.default = spec.default ?? node.editorDefault ?? '';
			break;
	}
	if (node.placeholder !== undefined) property.placeholder = node.placeholder;
	if (node.show)
		property.displayOptions = {
			show: Object.fromEntries(Object.entries(node.show).map(([p, values]) => [p, [...values]])),
		};
	const description = node.description ?? spec.description;
	if (description !== undefined) property.description = description;
	return property;
}

/** The "Options" collection: the table's options that live in it, in the table's order. */
export function optionsCollection(table: OptionTable): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: Object.keys(table)
			.filter((name) => table[name].node?.collection)
			.map((name) => optionProperty(table, name)),
	};
}

/**
 * An item's options as the node's parameters give them, each checked by the table's rule under its property name
 * (an expression bypasses the editor's min/max). Options left out of the collection, and top-level properties the
 * editor hides, count as not given.
 */
export function givenNodeOptions<T extends OptionTable>(
	ctx: IExecuteFunctions,
	itemIndex: number,
	table: T,
): Partial<Resolved<T>> {
	const collection = ctx.getNodeParameter('options', itemIndex, {}) as Record<string, unknown>;
	const given: Partial<Record<keyof T, unknown>> = {};
	for (const name of Object.keys(table) as (keyof T & string)[]) {
		const spec: OptionSpec = table[name];
		if (!spec.node) continue;
		let raw: unknown;
		if (spec.node.collection) raw = collection[name];
		else if (isShown(ctx, itemIndex, spec.node.show)) raw = ctx.getNodeParameter(name, itemIndex);
		if (raw !== undefined && raw !== null)
			given[name] = checkOption(spec, name, raw, spec.node.scale ?? 1);
	}
	return given as Partial<Resolved<T>>;
}

function isShown(
	ctx: IExecuteFunctions,
	itemIndex: number,
	show: Readonly<Record<string, readonly string[]>> | undefined,
): boolean {
	if (!show) return true;
	return Object.entries(show).every(([parameter, values]) =>
		values.includes(ctx.getNodeParameter(parameter, itemIndex) as string),
	);
}
