import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font.js';

export interface ContactSheetTile {
  image: { width: number; height: number; data: Uint8Array };
  label?: string;
}

export interface ContactSheetOptions {
  /** Pixels between tiles and around the sheet (default 4). */
  gap?: number;
  /** Colour of the gaps and of empty cells (default dark grey). */
  background?: [number, number, number];
  /** Integer magnification of the label font (default 1: 5 x 7 pixel glyphs). */
  labelScale?: number;
}

/**
 * Lays RGB tiles out in a grid: one grid row per input row, as many columns as the longest row. Every cell is as
 * wide as the widest tile in its column and as tall as the tallest in its row; tiles sit at the cell's top-left.
 * Labels are stamped in white on a black box in each tile's top-left corner.
 */
export function composeContactSheet(
  tiles: ContactSheetTile[][],
  options: ContactSheetOptions = {},
): { width: number; height: number; data: Uint8Array } {
  const gap = options.gap ?? 4;
  const bg = options.background ?? [32, 32, 32];
  const scale = options.labelScale ?? 1;
  if (!Number.isInteger(gap) || gap < 0)
    throw new RangeError(`composeContactSheet: gap must be an integer >= 0, got ${gap}`);
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`composeContactSheet: labelScale must be a positive integer, got ${scale}`);
  const columns = Math.max(0, ...tiles.map((r) => r.length));
  const colW = new Array<number>(columns).fill(0);
  const rowH = tiles.map((row, r) =>
    row.reduce((h, t, c) => {
      const { width, height, data } = t.image;
      if (data.length !== width * height * 3)
        throw new RangeError(
          `composeContactSheet: tiles[${r}][${c}].image.data has ${data.length} bytes, expected ${width}x${height}x3`,
        );
      colW[c] = Math.max(colW[c], width);
      return Math.max(h, height);
    }, 0),
  );
  const width = colW.reduce((a, w) => a + w + gap, gap);
  const height = rowH.reduce((a, h) => a + h + gap, gap);
  const data = new Uint8Array(width * height * 3);
  for (let k = 0; k < width * height; k++) data.set(bg, 3 * k);
  const sheet = { width, height, data };

  let y = gap;
  tiles.forEach((row, r) => {
    let x = gap;
    row.forEach((tile, c) => {
      const img = tile.image;
      for (let j = 0; j < img.height; j++)
        data.set(img.data.subarray(j * img.width * 3, (j + 1) * img.width * 3), ((y + j) * width + x) * 3);
      if (tile.label) stampLabel(sheet, tile.label, x, y, img.width, img.height, scale);
      x += colW[c] + gap;
    });
    y += rowH[r] + gap;
  });
  return sheet;
}

/** Black box with white text, clipped to the tile so a label never spills into a neighbour. */
function stampLabel(
  sheet: { width: number; height: number; data: Uint8Array },
  label: string,
  x: number,
  y: number,
  tileW: number,
  tileH: number,
  scale: number,
): void {
  const pad = scale;
  const boxW = Math.min(tileW, textWidth(label, scale) + 2 * pad);
  const boxH = Math.min(tileH, GLYPH_HEIGHT * scale + 2 * pad);
  for (let j = 0; j < boxH; j++)
    sheet.data.fill(0, ((y + j) * sheet.width + x) * 3, ((y + j) * sheet.width + x + boxW) * 3);
  // Draw into a tile-sized view so the text is clipped at the tile's edge.
  const box = { width: boxW, height: boxH, data: new Uint8Array(boxW * boxH * 3) };
  drawText(box, label, pad, pad, [255, 255, 255], scale);
  for (let j = 0; j < boxH; j++)
    sheet.data.set(box.data.subarray(j * boxW * 3, (j + 1) * boxW * 3), ((y + j) * sheet.width + x) * 3);
}
