import sharp from 'sharp';
import { escapeHtml } from './html.js';

export interface ChartSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
  /** CSS colour; a palette colour by default. */
  color?: string;
  /** Draw the points as dots (e.g. a validation curve sampled once per epoch). */
  dots?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Logarithmic y axis (losses spanning decades); non-positive values are left out. */
  logY?: boolean;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const MARGIN = { left: 72, right: 16, top: 36, bottom: 48 };

/**
 * A line chart as SVG: axes with round ticks, labels, a legend. Written by hand because the report only needs
 * this one kind of chart, and an SVG rasterised by sharp (libvips) gives real text without a plotting stack.
 */
export function lineChartSvg(chart: LineChart): string {
  const width = chart.width ?? 640;
  const height = chart.height ?? 360;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const ty = (v: number) => (chart.logY ? Math.log10(v) : v);
  const points = chart.series.map((s) =>
    s.x
      .map((x, i) => [x, s.y[i]] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!chart.logY || y > 0)),
  );
  const xs = points.flatMap((p) => p.map(([x]) => x));
  const ys = points.flatMap((p) => p.map(([, y]) => ty(y)));
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  if (chart.logY) [y0, y1] = [Math.floor(y0), Math.ceil(y1)];
  const px = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (v: number) => MARGIN.top + (1 - (v - y0) / (y1 - y0)) * plotH;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeHtml(chart.title)}</text>`,
  ];
  for (const t of niceTicks(x0, x1, 6)) {
    parts.push(
      `<line x1="${px(t)}" y1="${MARGIN.top}" x2="${px(t)}" y2="${MARGIN.top + plotH}" stroke="#eee"/>`,
      `<text x="${px(t)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  const yTicks = chart.logY ? Array.from({ length: y1 - y0 + 1 }, (_, i) => y0 + i) : niceTicks(y0, y1, 6);
  for (const t of yTicks) {
    const label = chart.logY ? `1e${t}` : formatTick(t);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${py(t)}" x2="${MARGIN.left + plotW}" y2="${py(t)}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 6}" y="${py(t) + 4}" text-anchor="end">${label}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${escapeHtml(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(chart.yLabel)}</text>`,
  );
  chart.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const path = points[i].map(([x, y]) => `${px(x).toFixed(1)},${py(ty(y)).toFixed(1)}`).join(' ');
    if (path) parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    if (s.dots)
      for (const [x, y] of points[i])
        parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(ty(y)).toFixed(1)}" r="2.5" fill="${color}"/>`);
    const ly = MARGIN.top + 14 + 16 * i;
    const lx = MARGIN.left + plotW - 150;
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${lx + 26}" y="${ly}">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The chart as PNG bytes. */
export async function lineChartPng(chart: LineChart): Promise<Buffer> {
  return sharp(Buffer.from(lineChartSvg(chart)))
    .flatten({ background: '#ffffff' })
    .png()
    .toBuffer();
}

/** Round tick values (1, 2, 5 x 10^k steps) covering [lo, hi] with about `count` ticks. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(4)));
}
