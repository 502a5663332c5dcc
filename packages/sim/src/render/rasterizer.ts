import type { PinholeCamera, Vec3 } from '@gsdyn/geometry';
import type { Texture, TexturedMesh } from './mesh.js';
import { type ScreenTriangles, setupTriangles, TRIANGLE_STRIDE, VERTEX_STRIDE } from './triangle-setup.js';

export interface RenderOptions {
  /** RGB 0..255 where nothing is drawn. Default black. */
  background?: [number, number, number];
  /** Fraction of the light that reaches faces turned away from it. Default 0.35. */
  ambient?: number;
  /** World direction towards the light (normalised here). Default [0.3, -0.2, 1]. */
  lightDirection?: Vec3;
  /** Colour antialiasing: s x s samples per pixel, box-filtered. Integer 1..8, default 3. */
  supersample?: number;
  /** Near clipping distance along the optical axis, metres. Default 0.05. */
  near?: number;
}

export interface RenderOutput {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, row-major from the top row, antialiased. */
  color: Uint8Array;
  /** Optical-axis depth (camera z) in metres at the pixel-centre sample; 0 where nothing was drawn. */
  depth: Float32Array;
  /** 255 where the pixel-centre sample sees an `isObject` mesh, else 0. */
  mask: Uint8Array;
  /** Fraction (0..1) of the pixel's colour samples that see an `isObject` mesh: a soft, antialiased mask. */
  objectCoverage: Float32Array;
}

const DEFAULTS = {
  background: [0, 0, 0] as [number, number, number],
  ambient: 0.35,
  lightDirection: [0.3, -0.2, 1] as Vec3,
  supersample: 3,
  near: 0.05,
};

/**
 * Renders textured triangle meshes with a z-buffer: colour (Lambert + ambient, bilinear textures, s x s
 * supersampling), depth and object mask. Depth and mask are never averaged: they come from the one sample at the
 * pixel centre (averaging depths across an edge would invent surfaces).
 *
 * Sampling: sample (I, J) of the s-times finer grid sits at pixel coordinates ((I + 0.5)/s - 0.5, (J + 0.5)/s - 0.5).
 * For odd s the middle sample of each pixel is exactly the pixel centre, so one pass gives colour, depth and mask;
 * for even s a second, unshaded pass at s = 1 gives depth and mask.
 *
 * Coverage follows the top-left rule on exact-per-edge edge functions, so meshes sharing edges are drawn
 * without cracks or double-drawn samples; attributes are interpolated perspective-correctly (as a/z and 1/z).
 */
export function renderScene(
  meshes: readonly TexturedMesh[],
  camera: PinholeCamera,
  options: RenderOptions = {},
): RenderOutput {
  const o = resolveOptions(options);
  validateCamera(camera);
  meshes.forEach(validateMesh);
  const { width, height } = camera;
  const s = o.supersample;
  const triangles = setupTriangles(meshes, camera, { ambient: o.ambient, light: o.light, near: o.near });

  const colourPass = rasterize(triangles, meshes, width, height, s, true, o.background);
  const color = new Uint8Array(width * height * 3);
  const objectCoverage = new Float32Array(width * height);
  resolveColour(colourPass, width, height, s, color, objectCoverage);

  const depth = new Float32Array(width * height);
  const mask = new Uint8Array(width * height);
  const centrePass =
    s % 2 === 1 ? colourPass : rasterize(triangles, meshes, width, height, 1, false, o.background);
  const cs = centrePass.scale;
  const offset = (cs - 1) / 2;
  const sw = width * cs;
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const k = (j * cs + offset) * sw + i * cs + offset;
      const w = centrePass.inverseDepth[k];
      const p = j * width + i;
      if (w > 0) depth[p] = 1 / w;
      mask[p] = centrePass.object[k] ? 255 : 0;
    }
  }
  return { width, height, color, depth, mask, objectCoverage };
}

interface ResolvedOptions {
  background: [number, number, number];
  ambient: number;
  light: [number, number, number];
  supersample: number;
  near: number;
}

function resolveOptions(options: RenderOptions): ResolvedOptions {
  const background = options.background ?? DEFAULTS.background;
  if (background.length !== 3 || background.some((c) => !(c >= 0 && c <= 255)))
    throw new RangeError(`renderScene: options.background must be 3 numbers in 0..255, got [${background}]`);
  const ambient = options.ambient ?? DEFAULTS.ambient;
  if (!(ambient >= 0 && ambient <= 1))
    throw new RangeError(`renderScene: options.ambient must be in [0, 1], got ${ambient}`);
  const l = options.lightDirection ?? DEFAULTS.lightDirection;
  const len = Math.hypot(l[0], l[1], l[2]);
  if (!(len > 0 && Number.isFinite(len)))
    throw new RangeError(`renderScene: options.lightDirection must be a finite non-zero vector, got [${l}]`);
  const supersample = options.supersample ?? DEFAULTS.supersample;
  if (!Number.isInteger(supersample) || supersample < 1 || supersample > 8)
    throw new RangeError(`renderScene: options.supersample must be an integer in 1..8, got ${supersample}`);
  const near = options.near ?? DEFAULTS.near;
  if (!(near > 0 && Number.isFinite(near)))
    throw new RangeError(`renderScene: options.near must be a positive distance in metres, got ${near}`);
  return {
    background: [background[0], background[1], background[2]],
    ambient,
    light: [l[0] / len, l[1] / len, l[2] / len],
    supersample,
    near,
  };
}

function validateCamera(camera: PinholeCamera): void {
  const { width, height, fx, fy, cx, cy, worldToCamera } = camera;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1)
    throw new RangeError(
      `renderScene: camera width/height must be positive integers, got ${width}x${height}`,
    );
  if (![fx, fy, cx, cy].every(Number.isFinite) || fx <= 0 || fy <= 0)
    throw new RangeError(
      `renderScene: camera intrinsics must be finite with fx, fy > 0, got ${[fx, fy, cx, cy]}`,
    );
  if (worldToCamera.length !== 16)
    throw new RangeError(
      `renderScene: camera.worldToCamera must have 16 entries, got ${worldToCamera.length}`,
    );
}

function validateMesh(mesh: TexturedMesh, index: number): void {
  const where = `renderScene: meshes[${index}]`;
  const { positions, uvs, triangles } = mesh;
  if (positions.length % 3 !== 0)
    throw new RangeError(`${where}.positions has ${positions.length} values, expected 3 per vertex`);
  const n = positions.length / 3;
  if (uvs.length !== 2 * n)
    throw new RangeError(`${where}.uvs has ${uvs.length} values, expected 2 per vertex (${2 * n})`);
  if (triangles.length % 3 !== 0)
    throw new RangeError(`${where}.triangles has ${triangles.length} indices, expected 3 per triangle`);
  for (let k = 0; k < triangles.length; k++)
    if (triangles[k] >= n)
      throw new RangeError(`${where}.triangles[${k}] = ${triangles[k]} is not a vertex index (< ${n})`);
  validateTexture(mesh.texture, `${where}.texture`);
  if (mesh.backTexture) validateTexture(mesh.backTexture, `${where}.backTexture`);
}

function validateTexture(tex: Texture, where: string): void {
  if (!Number.isInteger(tex.width) || tex.width < 1 || !Number.isInteger(tex.height) || tex.height < 1)
    throw new RangeError(`${where} must be at least 1x1 texels, got ${tex.width}x${tex.height}`);
  if (tex.data.length !== tex.width * tex.height * 3)
    throw new RangeError(
      `${where}.data has ${tex.data.length} bytes, expected ${tex.width * tex.height * 3} (RGB)`,
    );
}

/** One z-buffered pass over a sample grid `scale` times finer than the image. Scratch owned by this module. */
interface SamplePass {
  scale: number;
  /** 1/z of the nearest surface per sample; 0 = nothing drawn. */
  inverseDepth: Float64Array;
  /** 1 where the nearest surface belongs to an `isObject` mesh. */
  object: Uint8Array;
  /** RGB per sample (colour passes only). */
  colour: Float32Array;
}

// Two scratch passes (colour and centre) reused across calls: allocating ~10 MB per view would thrash the GC.
const scratch: SamplePass[] = [];
function scratchPass(slot: number, samples: number, scale: number, colour: boolean): SamplePass {
  let p = scratch[slot];
  if (!p || p.object.length < samples || (colour && p.colour.length < 3 * samples)) {
    p = {
      scale,
      inverseDepth: new Float64Array(samples),
      object: new Uint8Array(samples),
      colour: new Float32Array(colour ? 3 * samples : 0),
    };
    scratch[slot] = p;
  }
  p.scale = scale;
  return p;
}

function rasterize(
  tris: ScreenTriangles,
  meshes: readonly TexturedMesh[],
  width: number,
  height: number,
  s: number,
  shade: boolean,
  background: readonly [number, number, number],
): SamplePass {
  const W = width * s;
  const H = height * s;
  const pass = scratchPass(shade ? 0 : 1, W * H, s, shade);
  const zbuf = pass.inverseDepth;
  const obj = pass.object;
  const col = pass.colour;
  zbuf.fill(0, 0, W * H);
  obj.fill(0, 0, W * H);
  if (shade) {
    for (let k = 0; k < W * H; k++) {
      col[3 * k] = background[0];
      col[3 * k + 1] = background[1];
      col[3 * k + 2] = background[2];
    }
  }
  const V = tris.vertices;
  // Edge coefficients: E(I, J) = a * I + (b * J + c), inside when E > 0, or E == 0 on a top-left edge.
  const ea = new Float64Array(3);
  const eb = new Float64Array(3);
  const ec = new Float64Array(3);
  const tl = new Uint8Array(3);
  const X = new Float64Array(3);
  const Y = new Float64Array(3);

  for (let t = 0; t < tris.count; t++) {
    const base = t * TRIANGLE_STRIDE;
    for (let k = 0; k < 3; k++) {
      // Pixel coordinates to sample-grid coordinates, where samples sit on integers.
      X[k] = (V[base + k * VERTEX_STRIDE] + 0.5) * s - 0.5;
      Y[k] = (V[base + k * VERTEX_STRIDE + 1] + 0.5) * s - 0.5;
    }
    const x0 = X[0];
    const y0 = Y[0];
    const d1x = X[1] - x0;
    const d1y = Y[1] - y0;
    const d2x = X[2] - x0;
    const d2y = Y[2] - y0;
    const area = d1x * d2y - d2x * d1y;
    if (!(area > 0)) continue;
    const iMin = Math.max(0, Math.ceil(Math.min(x0, X[1], X[2])));
    const iMax = Math.min(W - 1, Math.floor(Math.max(x0, X[1], X[2])));
    const jMin = Math.max(0, Math.ceil(Math.min(y0, Y[1], Y[2])));
    const jMax = Math.min(H - 1, Math.floor(Math.max(y0, Y[1], Y[2])));
    if (iMin > iMax || jMin > jMax) continue;

    for (let k = 0; k < 3; k++) {
      const ax = X[k];
      const ay = Y[k];
      const bx = X[(k + 1) % 3];
      const by = Y[(k + 1) % 3];
      // Evaluate each edge from a canonical endpoint order, so the two triangles sharing it compute bitwise
      // negated values at every sample: exactly one of them owns a sample on the edge.
      const forward = ax < bx || (ax === bx && ay < by);
      const px = forward ? ax : bx;
      const py = forward ? ay : by;
      const qx = forward ? bx : ax;
      const qy = forward ? by : ay;
      const sign = forward ? 1 : -1;
      ea[k] = sign * -(qy - py);
      eb[k] = sign * (qx - px);
      ec[k] = sign * ((qy - py) * px - (qx - px) * py);
      // With v pointing down and positive area, a top edge runs in +u and a left edge runs in -v.
      const dx = bx - ax;
      const dy = by - ay;
      tl[k] = dy < 0 || (dy === 0 && dx > 0) ? 1 : 0;
    }

    // Attribute planes q(I, J) = q0 + qa (I - x0) + qb (J - y0) for w, s*w, t*w, shade*w.
    const w0 = V[base + 2];
    const dw1 = V[base + VERTEX_STRIDE + 2] - w0;
    const dw2 = V[base + 2 * VERTEX_STRIDE + 2] - w0;
    const wa = (dw1 * d2y - dw2 * d1y) / area;
    const wb = (dw2 * d1x - dw1 * d2x) / area;
    const mesh = meshes[tris.mesh[t]];
    const isObj = mesh.isObject ? 1 : 0;

    let u0 = 0;
    let ua = 0;
    let ub = 0;
    let v0 = 0;
    let va = 0;
    let vb = 0;
    let h0 = 0;
    let ha = 0;
    let hb = 0;
    let tex: Texture = mesh.texture;
    if (shade) {
      if (tris.back[t] && mesh.backTexture) tex = mesh.backTexture;
      u0 = V[base + 3];
      const du1 = V[base + VERTEX_STRIDE + 3] - u0;
      const du2 = V[base + 2 * VERTEX_STRIDE + 3] - u0;
      ua = (du1 * d2y - du2 * d1y) / area;
      ub = (du2 * d1x - du1 * d2x) / area;
      v0 = V[base + 4];
      const dv1 = V[base + VERTEX_STRIDE + 4] - v0;
      const dv2 = V[base + 2 * VERTEX_STRIDE + 4] - v0;
      va = (dv1 * d2y - dv2 * d1y) / area;
      vb = (dv2 * d1x - dv1 * d2x) / area;
      h0 = V[base + 5];
      const dh1 = V[base + VERTEX_STRIDE + 5] - h0;
      const dh2 = V[base + 2 * VERTEX_STRIDE + 5] - h0;
      ha = (dh1 * d2y - dh2 * d1y) / area;
      hb = (dh2 * d1x - dh1 * d2x) / area;
    }
    const td = tex.data;
    const tw = tex.width;
    const th = tex.height;
    // Power-of-two textures wrap with a mask (exact for any int32 texel index, as 2^32 is a multiple of the
    // size); others with an int32 remainder, valid while |uv| * size < 2^31.
    const pow2 = (tw & (tw - 1)) === 0 && (th & (th - 1)) === 0;

    for (let J = jMin; J <= jMax; J++) {
      // Span of this row inside all three edges. Each edge function is monotone in I (even in floating point),
      // so each edge bounds the span on one side; the estimate -r/a is corrected against the exact test.
      let lo = iMin;
      let hi = iMax;
      for (let k = 0; k < 3 && lo <= hi; k++) {
        const a = ea[k];
        const r = eb[k] * J + ec[k];
        const incl = tl[k] === 1;
        if (a === 0) {
          if (!(r > 0 || (r === 0 && incl))) hi = lo - 1;
        } else if (a > 0) {
          let i = Math.min(hi + 1, Math.max(lo, Math.ceil(-r / a)));
          while (i > lo && inside(a * (i - 1) + r, incl)) i--;
          while (i <= hi && !inside(a * i + r, incl)) i++;
          lo = i;
        } else {
          let i = Math.max(lo - 1, Math.min(hi, Math.floor(-r / a)));
          while (i < hi && inside(a * (i + 1) + r, incl)) i++;
          while (i >= lo && !inside(a * i + r, incl)) i--;
          hi = i;
        }
      }
      if (lo > hi) continue;
      const dx = lo - x0;
      const dy = J - y0;
      let w = w0 + wa * dx + wb * dy;
      let idx = J * W + lo;
      if (!shade) {
        for (let I = lo; I <= hi; I++, idx++, w += wa) {
          if (w > zbuf[idx]) {
            zbuf[idx] = w;
            obj[idx] = isObj;
          }
        }
        continue;
      }
      let uw = u0 + ua * dx + ub * dy;
      let vw = v0 + va * dx + vb * dy;
      let hw = h0 + ha * dx + hb * dy;
      for (let I = lo; I <= hi; I++, idx++, w += wa, uw += ua, vw += va, hw += ha) {
        if (!(w > zbuf[idx])) continue;
        zbuf[idx] = w;
        obj[idx] = isObj;
        const z = 1 / w;
        const light = hw * z;
        // Bilinear, repeat-wrapped; texel (x, y) has its centre at uv ((x + 0.5)/tw, (y + 0.5)/th).
        const fxp = uw * z * tw - 0.5;
        const fyp = vw * z * th - 0.5;
        const flx = Math.floor(fxp);
        const fly = Math.floor(fyp);
        const ax = fxp - flx;
        const ay = fyp - fly;
        // Integer wrap: a mask for power-of-two sizes, else an int32 remainder (a float % would call fmod).
        let x0i = flx | 0;
        let y0i = fly | 0;
        if (pow2) {
          x0i &= tw - 1;
          y0i &= th - 1;
        } else {
          x0i %= tw;
          if (x0i < 0) x0i += tw;
          y0i %= th;
          if (y0i < 0) y0i += th;
        }
        const x1i = x0i + 1 === tw ? 0 : x0i + 1;
        const y1i = y0i + 1 === th ? 0 : y0i + 1;
        const r0 = y0i * tw;
        const r1 = y1i * tw;
        const p00 = (r0 + x0i) * 3;
        const p01 = (r0 + x1i) * 3;
        const p10 = (r1 + x0i) * 3;
        const p11 = (r1 + x1i) * 3;
        const w00 = (1 - ax) * (1 - ay) * light;
        const w01 = ax * (1 - ay) * light;
        const w10 = (1 - ax) * ay * light;
        const w11 = ax * ay * light;
        const c = 3 * idx;
        col[c] = td[p00] * w00 + td[p01] * w01 + td[p10] * w10 + td[p11] * w11;
        col[c + 1] = td[p00 + 1] * w00 + td[p01 + 1] * w01 + td[p10 + 1] * w10 + td[p11 + 1] * w11;
        col[c + 2] = td[p00 + 2] * w00 + td[p01 + 2] * w01 + td[p10 + 2] * w10 + td[p11 + 2] * w11;
      }
    }
  }
  return pass;
}

function inside(e: number, includeZero: boolean): boolean {
  return e > 0 || (e === 0 && includeZero);
}

/** Box filter of the s x s colour samples of each pixel, and the fraction of them that see the object. */
function resolveColour(
  pass: SamplePass,
  width: number,
  height: number,
  s: number,
  color: Uint8Array,
  coverage: Float32Array,
): void {
  const W = width * s;
  const col = pass.colour;
  const obj = pass.object;
  const inv = 1 / (s * s);
  // Sum s sample rows into one pixel row at a time: sequential reads, no per-sample index arithmetic.
  const acc = new Float32Array(width * 4);
  for (let j = 0; j < height; j++) {
    acc.fill(0);
    for (let dj = 0; dj < s; dj++) {
      let k = (j * s + dj) * W;
      for (let i = 0; i < width; i++) {
        const a = 4 * i;
        for (let di = 0; di < s; di++, k++) {
          acc[a] += col[3 * k];
          acc[a + 1] += col[3 * k + 1];
          acc[a + 2] += col[3 * k + 2];
          acc[a + 3] += obj[k];
        }
      }
    }
    for (let i = 0; i < width; i++) {
      const p = j * width + i;
      // Samples are in 0..255 (shade <= 1), so the mean is too; Uint8 stores truncate, hence + 0.5.
      color[3 * p] = acc[4 * i] * inv + 0.5;
      color[3 * p + 1] = acc[4 * i + 1] * inv + 0.5;
      color[3 * p + 2] = acc[4 * i + 2] * inv + 0.5;
      coverage[p] = acc[4 * i + 3] * inv;
    }
  }
}
