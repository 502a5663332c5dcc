import type { RgbImage } from '@gsdyn/formats';
import { createCanvas, drawDisc, drawLine, type Rgb } from './canvas.js';

export interface TopDownPlotInput {
  /** Particle positions (3P, world metres) at the first and the last frame. */
  first: Float32Array;
  last: Float32Array;
  /** End-effector positions per frame, world metres. */
  endEffector: readonly (readonly number[])[];
  /** World x/y range to show. */
  bounds: { min: readonly number[]; max: readonly number[] };
}

const GRID: Rgb = [230, 230, 230];
const FIRST: Rgb = [70, 110, 220];
const LAST: Rgb = [220, 70, 60];
const TOOL: Rgb = [30, 30, 30];

/**
 * Top-down view of an episode (x right, y up, 1 cm grid): particles at the first frame (blue) and the last (red),
 * and the end-effector path while it is low enough to touch the object (black).
 */
export function plotTopDown(input: TopDownPlotInput, pixelsPerMetre = 800): RgbImage {
  const [x0, y0] = input.bounds.min;
  const [x1, y1] = input.bounds.max;
  const width = Math.round((x1 - x0) * pixelsPerMetre);
  const height = Math.round((y1 - y0) * pixelsPerMetre);
  const img = createCanvas(width, height);
  const px = (x: number) => (x - x0) * pixelsPerMetre;
  const py = (y: number) => (y1 - y) * pixelsPerMetre;
  for (let gx = Math.ceil(x0 * 100); gx <= x1 * 100; gx++)
    drawLine(img, px(gx / 100), 0, px(gx / 100), height, GRID);
  for (let gy = Math.ceil(y0 * 100); gy <= y1 * 100; gy++)
    drawLine(img, 0, py(gy / 100), width, py(gy / 100), GRID);
  for (const [points, color] of [
    [input.first, FIRST],
    [input.last, LAST],
  ] as const)
    for (let i = 0; i < points.length; i += 3) drawDisc(img, px(points[i]), py(points[i + 1]), 2, color);
  const contactHeight = 0.05;
  for (let t = 1; t < input.endEffector.length; t++) {
    const a = input.endEffector[t - 1];
    const b = input.endEffector[t];
    if (a[2] < contactHeight && b[2] < contactHeight)
      drawLine(img, px(a[0]), py(a[1]), px(b[0]), py(b[1]), TOOL, 2);
  }
  return img;
}
