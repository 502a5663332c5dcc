// imageLoss (0.8 L1 + 0.2 D-SSIM, value and gradient) per call at the tracker's 320x240, with SSIM computed by the
// float64 TypeScript reference and by the WebAssembly SIMD kernel, in one run: 3 colour channels and 1 segmentation
// channel, on textured images filling the frame (the dense path) and on an object on black (the cropped path the
// tracker mostly takes). Run with `npm run bench -- ssim`.
import { availableParallelism, cpus } from 'node:os';
import { Random } from '@gsdyn/geometry';
import { imageLoss } from '../src/loss/image-loss.js';
import {
  ssimCoreReference,
  ssimCoreWasm,
  ssimWasmAvailable,
  ssimWasmUnavailableReason,
} from '../src/loss/ssim.js';

const WIDTH = 320;
const HEIGHT = 240;
const REPS = 20;

/** A smooth random texture (sums of sinusoids) with pixel noise, optionally only inside a disc on black. */
function image(rng: Random, channels: number, object: boolean): Float32Array {
  const plane = WIDTH * HEIGHT;
  const out = new Float32Array(channels * plane);
  for (let c = 0; c < channels; c++) {
    const fx = rng.uniform(0.05, 0.3);
    const fy = rng.uniform(0.05, 0.3);
    const phase = rng.uniform(0, 6);
    for (let y = 0; y < HEIGHT; y++)
      for (let x = 0; x < WIDTH; x++) {
        if (object && (x - 170) ** 2 + (y - 110) ** 2 > 70 ** 2) continue;
        const v = 0.5 + 0.3 * Math.sin(fx * x + phase) * Math.cos(fy * y) + 0.1 * rng.normal();
        out[c * plane + y * WIDTH + x] = Math.min(1, Math.max(0, v));
      }
  }
  return out;
}

/**
 * Median milliseconds per call of each function, measured as this process's CPU time (user + system) over batches
 * of calls: everything runs on this one thread, so on an idle machine that equals the wall time, and on a shared one
 * it does not count the time other processes take. The batches alternate so that load hits both alike.
 */
function timeBoth(reps: number, a: () => void, b: () => void): [number, number] {
  const batch = 3;
  for (let k = 0; k < 3; k++) {
    a();
    b();
  }
  const cpu = (fn: () => void) => {
    const start = process.cpuUsage();
    for (let k = 0; k < batch; k++) fn();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / batch;
  };
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < reps; r++) {
    ta.push(cpu(a));
    tb.push(cpu(b));
  }
  const median = (t: number[]) => t.sort((x, y) => x - y)[t.length >> 1];
  return [median(ta), median(tb)];
}

const cpu = cpus()[0]?.model ?? 'unknown cpu';
console.log(
  `ssim / imageLoss at ${WIDTH}x${HEIGHT}: ${availableParallelism()} cores (${cpu}), single-threaded`,
);
console.log(`CPU ms per call (the process's user + system time), median of ${REPS} batches`);
if (!ssimWasmAvailable()) {
  console.log(`the WebAssembly kernel is unavailable: ${ssimWasmUnavailableReason()}`);
  process.exit(1);
}
const rng = new Random(7);
const rows: string[][] = [['call', 'channels', 'images', 'reference ms', 'wasm ms', 'speed-up']];
for (const object of [false, true])
  for (const channels of [3, 1]) {
    const pred = image(rng, channels, object);
    const target = image(rng, channels, object);
    const [ref, fast] = timeBoth(
      REPS,
      () => imageLoss(pred, target, channels, WIDTH, HEIGHT, { ssimReference: true }),
      () => imageLoss(pred, target, channels, WIDTH, HEIGHT),
    );
    const images = object ? 'object on black' : 'full frame';
    rows.push([
      'imageLoss',
      String(channels),
      images,
      ref.toFixed(2),
      fast.toFixed(2),
      (ref / fast).toFixed(1),
    ]);
    if (object) continue;
    const options = { gradient: true, map: false };
    const [sRef, sFast] = timeBoth(
      REPS,
      () => ssimCoreReference(pred, target, channels, WIDTH, HEIGHT, options),
      () => ssimCoreWasm(pred, target, channels, WIDTH, HEIGHT, options),
    );
    rows.push([
      'ssimCore',
      String(channels),
      images,
      sRef.toFixed(2),
      sFast.toFixed(2),
      (sRef / sFast).toFixed(1),
    ]);
  }
const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
for (const r of rows) console.log(r.map((cell, j) => cell.padStart(widths[j])).join('  '));
