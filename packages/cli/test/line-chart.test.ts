import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { lineChartPng, lineChartSvg, niceTicks } from '../src/report/line-chart.js';

test('niceTicks: round steps covering the range', () => {
  assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0.13, 0.61, 5), [0.2, 0.3, 0.4, 0.5, 0.6]);
  assert.deepEqual(niceTicks(-3, 3, 3), [-2, 0, 2]);
});

test('a log-scale loss chart: decade ticks, the legend, escaped labels, and a PNG of the requested size', async () => {
  const chart = {
    title: 'loss <rope>',
    xLabel: 'epoch',
    yLabel: 'loss',
    logY: true,
    series: [
      { name: 'train', x: [1, 2, 3], y: [1e-2, 1e-3, 2e-4] },
      { name: 'validation', x: [1, 2, 3], y: [2e-2, 0, 5e-4], dots: true },
    ],
  };
  const svg = lineChartSvg(chart);
  for (const label of ['1e-4', '1e-3', '1e-2', 'train', 'validation', 'loss &#60;rope&#62;'])
    assert.ok(svg.includes(label), label);
  // The zero of the validation curve cannot be drawn on a log axis: two dots, not three.
  assert.equal(svg.match(/<circle/g)?.length, 2);
  const png = await lineChartPng({ ...chart, width: 320, height: 200 });
  const meta = await sharp(png).metadata();
  assert.equal(meta.format, 'png');
  assert.deepEqual([meta.width, meta.height], [320, 200]);
});
