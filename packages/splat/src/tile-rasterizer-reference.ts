import { type FloatAllocator, type FloatArray, float32 } from './float-array.js';
import { ALPHA_MAX, ALPHA_MIN, type TileBins, type TileRasterizer, TRANSMITTANCE_MIN } from './types.js';

/**
 * The readable reference of the tile stage (3DGS renderCUDA and its backward), written over any float precision:
 * float32 is the contract (`referenceTileRasterizer`), float64 is for finite-difference checks. Each tile's
 * Gaussians are first packed into contiguous float64 scratch arrays, then every pixel of the tile walks them.
 */

/** What the tile stage reads of a projection. */
export interface TileInput {
  count: number;
  channels: number;
  meanX: ArrayLike<number>;
  meanY: ArrayLike<number>;
  conicA: ArrayLike<number>;
  conicB: ArrayLike<number>;
  conicC: ArrayLike<number>;
  opacity: ArrayLike<number>;
  depth: ArrayLike<number>;
  features: ArrayLike<number>;
}

/** TileForwardResult in a chosen precision. */
export interface TileForwardResultOf<F extends FloatArray> {
  width: number;
  height: number;
  channels: number;
  features: F;
  alpha: F;
  expectedDepth: F;
  medianDepth: F;
  finalT: F;
  contributors: Uint32Array;
}

/** TileBackwardResult in a chosen precision. */
export interface TileBackwardResultOf<F extends FloatArray> {
  dMeanX: F;
  dMeanY: F;
  dConicA: F;
  dConicB: F;
  dConicC: F;
  dOpacity: F;
  dFeatures: F;
}

/** What the backward pass reads of the forward result. */
export interface TileForwardState {
  width: number;
  height: number;
  channels: number;
  finalT: ArrayLike<number>;
  contributors: Uint32Array;
}

function checkBins(bins: TileBins, width: number, height: number): void {
  const tilesX = Math.ceil(width / bins.tileSize);
  const tilesY = Math.ceil(height / bins.tileSize);
  if (bins.tilesX !== tilesX || bins.tilesY !== tilesY)
    throw new RangeError(
      `splat tile rasteriser: bins cover ${bins.tilesX}x${bins.tilesY} tiles, a ${width}x${height} image needs ${tilesX}x${tilesY}`,
    );
  if (bins.ranges.length !== tilesX * tilesY + 1)
    throw new RangeError(
      `splat tile rasteriser: bins.ranges must have ${tilesX * tilesY + 1} entries, got ${bins.ranges.length}`,
    );
}

function checkLength(field: string, array: ArrayLike<number> | undefined, length: number): void {
  if (array?.length !== length)
    throw new RangeError(`splat tile rasteriser: ${field} must have ${length} values, got ${array?.length}`);
}

/** Float64 copies of one tile's Gaussians, contiguous, in the tile's front-to-back order. */
class PackedTile {
  meanX: Float64Array;
  meanY: Float64Array;
  conicA: Float64Array;
  conicB: Float64Array;
  conicC: Float64Array;
  opacity: Float64Array;
  depth: Float64Array;
  features: Float64Array;
  length = 0;

  constructor(
    capacity: number,
    readonly channels: number,
  ) {
    this.meanX = new Float64Array(capacity);
    this.meanY = new Float64Array(capacity);
    this.conicA = new Float64Array(capacity);
    this.conicB = new Float64Array(capacity);
    this.conicC = new Float64Array(capacity);
    this.opacity = new Float64Array(capacity);
    this.depth = new Float64Array(capacity);
    this.features = new Float64Array(capacity * channels);
  }

  pack(p: TileInput, order: Uint32Array, start: number, end: number): void {
    const C = this.channels;
    this.length = end - start;
    for (let j = 0; j < this.length; j++) {
      const g = order[start + j];
      this.meanX[j] = p.meanX[g];
      this.meanY[j] = p.meanY[g];
      this.conicA[j] = p.conicA[g];
      this.conicB[j] = p.conicB[g];
      this.conicC[j] = p.conicC[g];
      this.opacity[j] = p.opacity[g];
      this.depth[j] = p.depth[g];
      for (let ch = 0; ch < C; ch++) this.features[j * C + ch] = p.features[g * C + ch];
    }
  }
}

function longestList(bins: TileBins): number {
  let longest = 0;
  for (let t = 0; t + 1 < bins.ranges.length; t++)
    longest = Math.max(longest, bins.ranges[t + 1] - bins.ranges[t]);
  return longest;
}

export function rasterizeTilesForward<F extends FloatArray>(
  projected: TileInput,
  bins: TileBins,
  width: number,
  height: number,
  background: ArrayLike<number>,
  alloc: FloatAllocator<F>,
): TileForwardResultOf<F> {
  checkBins(bins, width, height);
  const C = projected.channels;
  checkLength('background', background, C);
  checkLength('features', projected.features, projected.count * C);
  const pixels = width * height;
  const out: TileForwardResultOf<F> = {
    width,
    height,
    channels: C,
    features: alloc(C * pixels),
    alpha: alloc(pixels),
    expectedDepth: alloc(pixels),
    medianDepth: alloc(pixels),
    finalT: alloc(pixels),
    contributors: new Uint32Array(pixels),
  };
  const tile = new PackedTile(longestList(bins), C);
  const acc = new Float64Array(C);
  const { tileSize, tilesX, tilesY, ranges, order } = bins;
  for (let ty = 0; ty < tilesY; ty++)
    for (let tx = 0; tx < tilesX; tx++) {
      const t = ty * tilesX + tx;
      tile.pack(projected, order, ranges[t], ranges[t + 1]);
      const { meanX, meanY, conicA, conicB, conicC, opacity, depth, features, length } = tile;
      const x1 = Math.min(width, (tx + 1) * tileSize);
      const y1 = Math.min(height, (ty + 1) * tileSize);
      for (let y = ty * tileSize; y < y1; y++)
        for (let x = tx * tileSize; x < x1; x++) {
          acc.fill(0);
          let T = 1;
          let weightSum = 0;
          let depthSum = 0;
          let median = 0;
          let walked = 0;
          for (let j = 0; j < length; j++) {
            const dx = meanX[j] - x;
            const dy = meanY[j] - y;
            const power = -0.5 * (conicA[j] * dx * dx + conicC[j] * dy * dy) - conicB[j] * dx * dy;
            if (power > 0) continue;
            const alpha = Math.min(ALPHA_MAX, opacity[j] * Math.exp(power));
            if (alpha < ALPHA_MIN) continue;
            const nextT = T * (1 - alpha);
            if (nextT < TRANSMITTANCE_MIN) break;
            const w = alpha * T;
            for (let ch = 0; ch < C; ch++) acc[ch] += features[j * C + ch] * w;
            weightSum += w;
            depthSum += w * depth[j];
            if (T > 0.5 && nextT <= 0.5) median = depth[j];
            T = nextT;
            walked = j + 1;
          }
          const pix = y * width + x;
          for (let ch = 0; ch < C; ch++) out.features[ch * pixels + pix] = acc[ch] + T * background[ch];
          out.alpha[pix] = 1 - T;
          out.finalT[pix] = T;
          out.contributors[pix] = walked;
          out.expectedDepth[pix] = weightSum > 0 ? depthSum / weightSum : 0;
          out.medianDepth[pix] = median;
        }
    }
  return out;
}

/**
 * Gradients of the tile stage: each pixel walks its list back to front from its last contributor, recovering the
 * transmittance in front of each Gaussian by division (T_before = T_after / (1 - alpha)). dConicB is dL/d(conicB)
 * as the scalar of `power` (3DGS's dL_dconic.y is half of it: it counts the two off-diagonal entries apart).
 * Where alpha is clamped at ALPHA_MAX its derivative is 0 (the derivative of min).
 */
export function rasterizeTilesBackward<F extends FloatArray>(
  projected: TileInput,
  bins: TileBins,
  forward: TileForwardState,
  background: ArrayLike<number>,
  dFeatures: ArrayLike<number>,
  dAlpha: ArrayLike<number> | undefined,
  alloc: FloatAllocator<F>,
): TileBackwardResultOf<F> {
  const { width, height } = forward;
  checkBins(bins, width, height);
  const C = projected.channels;
  const pixels = width * height;
  checkLength('background', background, C);
  checkLength('dFeatures', dFeatures, C * pixels);
  if (dAlpha !== undefined) checkLength('dAlpha', dAlpha, pixels);
  checkLength('forward.finalT', forward.finalT, pixels);
  const n = projected.count;
  // Accumulated in float64 whatever the output precision, then stored once.
  const gMeanX = new Float64Array(n);
  const gMeanY = new Float64Array(n);
  const gConicA = new Float64Array(n);
  const gConicB = new Float64Array(n);
  const gConicC = new Float64Array(n);
  const gOpacity = new Float64Array(n);
  const gFeatures = new Float64Array(n * C);
  const tile = new PackedTile(longestList(bins), C);
  const dPixel = new Float64Array(C);
  const accum = new Float64Array(C);
  const { tileSize, tilesX, tilesY, ranges, order } = bins;
  for (let ty = 0; ty < tilesY; ty++)
    for (let tx = 0; tx < tilesX; tx++) {
      const t = ty * tilesX + tx;
      const start = ranges[t];
      tile.pack(projected, order, start, ranges[t + 1]);
      const { meanX, meanY, conicA, conicB, conicC, opacity, features } = tile;
      const x1 = Math.min(width, (tx + 1) * tileSize);
      const y1 = Math.min(height, (ty + 1) * tileSize);
      for (let y = ty * tileSize; y < y1; y++)
        for (let x = tx * tileSize; x < x1; x++) {
          const pix = y * width + x;
          const finalT = forward.finalT[pix];
          let bgDot = 0;
          for (let ch = 0; ch < C; ch++) {
            dPixel[ch] = dFeatures[ch * pixels + pix];
            bgDot += background[ch] * dPixel[ch];
            accum[ch] = 0;
          }
          // alpha image = 1 - finalT, and d finalT / d alpha_j = -finalT / (1 - alpha_j).
          const dFinalT = bgDot - (dAlpha === undefined ? 0 : dAlpha[pix]);
          let T = finalT;
          let lastAlpha = 0;
          let last = -1;
          for (let j = forward.contributors[pix] - 1; j >= 0; j--) {
            const dx = meanX[j] - x;
            const dy = meanY[j] - y;
            const power = -0.5 * (conicA[j] * dx * dx + conicC[j] * dy * dy) - conicB[j] * dx * dy;
            if (power > 0) continue;
            const G = Math.exp(power);
            const raw = opacity[j] * G;
            const alpha = Math.min(ALPHA_MAX, raw);
            if (alpha < ALPHA_MIN) continue;
            T /= 1 - alpha;
            const w = alpha * T;
            const g = order[start + j];
            // accum = colour of everything behind j, as seen through j's successor (3DGS's accum_rec).
            let dLdAlpha = 0;
            for (let ch = 0; ch < C; ch++) {
              const f = features[j * C + ch];
              if (last >= 0) accum[ch] = lastAlpha * features[last * C + ch] + (1 - lastAlpha) * accum[ch];
              dLdAlpha += (f - accum[ch]) * dPixel[ch];
              gFeatures[g * C + ch] += w * dPixel[ch];
            }
            lastAlpha = alpha;
            last = j;
            dLdAlpha = dLdAlpha * T - (finalT / (1 - alpha)) * dFinalT;
            if (raw >= ALPHA_MAX) continue;
            gOpacity[g] += G * dLdAlpha;
            const dLdG = opacity[j] * dLdAlpha;
            const gdx = G * dx;
            const gdy = G * dy;
            gMeanX[g] += dLdG * (-gdx * conicA[j] - gdy * conicB[j]);
            gMeanY[g] += dLdG * (-gdy * conicC[j] - gdx * conicB[j]);
            gConicA[g] += -0.5 * gdx * dx * dLdG;
            gConicB[g] += -gdx * dy * dLdG;
            gConicC[g] += -0.5 * gdy * dy * dLdG;
          }
        }
    }
  const store = (values: Float64Array): F => {
    const a = alloc(values.length);
    a.set(values);
    return a;
  };
  return {
    dMeanX: store(gMeanX),
    dMeanY: store(gMeanY),
    dConicA: store(gConicA),
    dConicB: store(gConicB),
    dConicC: store(gConicC),
    dOpacity: store(gOpacity),
    dFeatures: store(gFeatures),
  };
}

/** The TypeScript reference TileRasterizer (float32 in and out, float64 inside): the oracle of the fast paths. */
export const referenceTileRasterizer: TileRasterizer = {
  name: 'reference',
  forward: (projected, bins, width, height, background) =>
    rasterizeTilesForward(projected, bins, width, height, background, float32),
  backward: (projected, bins, forward, background, dFeatures, dAlpha, meanwhile) => {
    // One thread: the caller's work first, then the pass.
    meanwhile?.();
    return rasterizeTilesBackward(projected, bins, forward, background, dFeatures, dAlpha, float32);
  },
};
