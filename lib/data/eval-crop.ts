/**
 * The evaluation crop: resize the shorter side to `cropSize / cropPct`, then take the centre `cropSize`². timm calls
 * the ratio crop_pct; torchvision's Resize(256) + CenterCrop(224) is crop_pct 224/256 = 0.875, which timm also uses
 * as its default (timm.data.DEFAULT_CROP_PCT). Models without a recorded resize size use it.
 */
export const DEFAULT_CROP_PCT = 224 / 256;

/**
 * timm computes the resize with `math.floor(size / crop_pct)`; this package has always scaled torchvision's ratio to
 * other sizes with rounding (`round(size·256/224)`), which model files and their metadata record.
 */
export type CropRounding = 'round' | 'floor';

/** The shorter side before the centre crop of `cropSize`. */
export function resizeBeforeCrop(
	cropSize: number,
	cropPct: number = DEFAULT_CROP_PCT,
	rounding: CropRounding = 'round',
): number {
	return rounding === 'floor' ? Math.floor(cropSize / cropPct) : Math.round(cropSize / cropPct);
}
