import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawText, GLYPH_HEIGHT, glyph, textWidth } from '../src/render/bitmap-font.js';
import { composeContactSheet } from '../src/render/contact-sheet.js';

function solid(width: number, height: number, rgb: [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let k = 0; k < width * height; k++) data.set(rgb, 3 * k);
  return { width, height, data };
}

test('tiles are laid out in a grid with gaps, pixels copied exactly', () => {
  const a = solid(10, 6, [255, 0, 0]);
  const b = solid(8, 4, [0, 255, 0]);
  const c = solid(10, 6, [0, 0, 255]);
  const sheet = composeContactSheet([[{ image: a }, { image: b }], [{ image: c }]], {
    gap: 2,
    background: [7, 7, 7],
  });
  assert.equal(sheet.width, 2 + 10 + 2 + 8 + 2);
  assert.equal(sheet.height, 2 + 6 + 2 + 6 + 2);
  const at = (x: number, y: number) => [
    ...sheet.data.subarray((y * sheet.width + x) * 3, (y * sheet.width + x) * 3 + 3),
  ];
  assert.deepEqual(at(0, 0), [7, 7, 7]);
  assert.deepEqual(at(2, 2), [255, 0, 0]);
  assert.deepEqual(at(11, 7), [255, 0, 0]);
  assert.deepEqual(at(12, 7), [7, 7, 7]);
  assert.deepEqual(at(14, 2), [0, 255, 0]);
  assert.deepEqual(at(21, 5), [0, 255, 0]);
  assert.deepEqual(at(14, 6), [7, 7, 7]); // below the shorter tile
  assert.deepEqual(at(2, 10), [0, 0, 255]);
  assert.deepEqual(at(14, 10), [7, 7, 7]); // empty cell
});

test('labels are stamped with the bitmap font, clipped to their tile', () => {
  const tile = solid(40, 12, [100, 100, 100]);
  const sheet = composeContactSheet([[{ image: tile, label: 'cam2 t=30' }]], { gap: 0 });
  // Compare with drawing the glyphs directly: the label box starts at the tile corner with a 1 px pad.
  let white = 0;
  for (let y = 0; y < 12; y++)
    for (let x = 0; x < 40; x++) {
      const px = sheet.data[(y * 40 + x) * 3];
      const inBox = x < Math.min(40, textWidth('cam2 t=30') + 2) && y < GLYPH_HEIGHT + 2;
      if (!inBox) assert.equal(px, 100, `(${x}, ${y}) outside the label box`);
      else if (px === 255) white++;
      else assert.equal(px, 0);
    }
  // Every set bit of the visible glyphs is drawn: count the bits of the characters that fit.
  let bits = 0;
  const text = 'cam2 t=30';
  for (let c = 0; c < text.length; c++)
    for (let r = 0; r < GLYPH_HEIGHT; r++)
      for (let b = 0; b < 5; b++) if ((glyph(text[c])[r] >> (4 - b)) & 1 && 1 + c * 6 + b < 40) bits++;
  assert.equal(white, bits);
  assert.ok(bits > 40);
});

test('drawText scales glyphs and knows digits and letters', () => {
  const img = solid(12, 14, [0, 0, 0]);
  drawText(img, '1', 0, 0, [255, 255, 255], 2);
  // '1' has its vertical stroke in column 2: at scale 2 that is x = 4..5 on rows 2..11.
  for (let y = 2; y < 12; y++) assert.equal(img.data[(y * 12 + 4) * 3], 255);
  assert.notDeepEqual(glyph('A'), glyph('?'));
  assert.deepEqual(glyph('a'), glyph('A'));
  assert.deepEqual(glyph('~'), glyph('?'));
});
