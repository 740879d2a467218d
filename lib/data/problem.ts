/** What is wrong with a file, folder or class; `kept` says whether it is still used (a warning) or left out. */
export interface Problem {
	readonly file: string;
	readonly reason: string;
	readonly kind: ProblemKind;
	readonly kept: boolean;
}

export type ProblemKind =
	| 'unsupported-extension'
	| 'unreadable'
	| 'too-many-pixels'
	| 'link-outside-folder'
	| 'link-loop'
	| 'link-repeat'
	| 'link-into-other-class'
	| 'hidden-folder'
	| 'unknown-class'
	| 'tiny-image'
	| 'duplicate'
	| 'duplicate-across-classes'
	| 'empty-class'
	| 'class-too-small';

/**
 * Problems that lose no image: a loop or a second link to something already counted, a link into another class
 * (its images count there, under their own label), a validation class training does not know.
 */
export const NOTHING_LEFT_OUT: ReadonlySet<ProblemKind> = new Set<ProblemKind>([
	'unknown-class',
	'link-loop',
	'link-repeat',
	'link-into-other-class',
]);
