/** One image file and the index of its class: what training, evaluation and the dataset manifest pass around. */
export interface LabelledImage {
	readonly file: string;
	readonly label: number;
}
