/**
 * An image file and the index of its class: what a scan finds, what a split divides and what training, evaluation
 * and batching read. A manifest's JSON names the class instead (`ManifestImage`), so it survives reordered classes.
 */
export interface LabelledImage {
	readonly file: string;
	readonly label: number;
}
