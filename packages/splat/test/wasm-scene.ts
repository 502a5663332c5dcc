// Random screen-space scenes for the WebAssembly rasteriser tests and benchmark: ProjectedGaussians drawn directly
// (no camera), binned with the project's binGaussians, so the tile stage can be compared in isolation.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Random } from '@gsdyn/geometry';
import { binGaussians } from '../src/tiles.js';
import type { ProjectedGaussians, TileBins } from '../src/types.js';

export interface SceneOptions {
  count: number;
  width: number;
  height: number;
  channels: number;
  seed: number;
  /** Screen standard deviations in pixels, drawn log-uniformly. Default [0.7, 8]. */
  sigma?: [number, number];
  /** Default [0.05, 0.995]: the top end exercises the ALPHA_MAX clamp. */
  opacity?: [number, number];
}

export interface Scene {
  projected: ProjectedGaussians;
  bins: TileBins;
  width: number;
  height: number;
  background: Float32Array;
}

export function randomScene(o: SceneOptions): Scene {
  const rng = new Random(o.seed);
  const { count: n, width, height, channels } = o;
  const [sLo, sHi] = o.sigma ?? [0.7, 8];
  const [oLo, oHi] = o.opacity ?? [0.05, 0.995];
  const p: ProjectedGaussians = {
    count: n,
    channels,
    meanX: new Float32Array(n),
    meanY: new Float32Array(n),
    conicA: new Float32Array(n),
    conicB: new Float32Array(n),
    conicC: new Float32Array(n),
    opacity: new Float32Array(n),
    depth: new Float32Array(n),
    radius: new Int32Array(n),
    features: new Float32Array(n * channels),
  };
  for (let i = 0; i < n; i++) {
    p.meanX[i] = rng.uniform(-8, width + 8);
    p.meanY[i] = rng.uniform(-8, height + 8);
    const s1 = sLo * (sHi / sLo) ** rng.next();
    const s2 = sLo * (sHi / sLo) ** rng.next();
    const th = rng.uniform(0, Math.PI);
    const c = Math.cos(th);
    const s = Math.sin(th);
    // Covariance R diag(s1^2, s2^2) R^T plus 3DGS's 0.3 px^2 dilation, then its inverse (the conic).
    const a = c * c * s1 * s1 + s * s * s2 * s2 + 0.3;
    const b = c * s * (s1 * s1 - s2 * s2);
    const d = s * s * s1 * s1 + c * c * s2 * s2 + 0.3;
    const det = a * d - b * b;
    p.conicA[i] = d / det;
    p.conicB[i] = -b / det;
    p.conicC[i] = a / det;
    const mid = 0.5 * (a + d);
    const maxEig = mid + Math.sqrt(Math.max(0.1, mid * mid - det));
    p.radius[i] = Math.ceil(3 * Math.sqrt(maxEig));
    p.opacity[i] = rng.uniform(oLo, oHi);
    p.depth[i] = rng.uniform(0.5, 5);
    for (let ch = 0; ch < channels; ch++) p.features[i * channels + ch] = rng.uniform(-0.2, 1.2);
  }
  const background = new Float32Array(channels);
  for (let ch = 0; ch < channels; ch++) background[ch] = rng.uniform(0, 1);
  return { projected: p, bins: binGaussians(p, width, height), width, height, background };
}

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Random(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * rng.normal();
  return a;
}

/** Runs the (fast, idempotent) wasm build, so that the tests work on a fresh checkout. */
export function buildWasm(): void {
  const script = fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-wasm failed:\n${r.stdout}${r.stderr}`);
}
