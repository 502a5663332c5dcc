// The Inria 3D Gaussian Splatting PLY layout, as written by the reference trainer and read by every viewer:
// binary_little_endian, one 'vertex' element, all properties float, in the order
//   x y z nx ny nz f_dc_0..2 f_rest_0..R-1 opacity scale_0..2 rot_0..3
// with R = 3 * ((degree + 1)^2 - 1) in {0, 9, 24, 45}. f_rest is channel-major (all red bands, then green,
// then blue). Values are stored before activation: opacity is a logit, scale_* are log standard deviations,
// rot_* an unnormalised quaternion w, x, y, z; normals are zero.
import { readFile, writeFile } from 'node:fs/promises';
import { decodePly } from './ply.js';

/** Zeroth-order real spherical harmonic: base colour = 0.5 + SH_C0 * f_dc. */
export const SH_C0 = 0.28209479177387814;

export interface GaussianCloudData {
  count: number;
  /** 3N */
  means: Float32Array;
  /** 4N, w x y z, as stored (unnormalised). */
  quaternions: Float32Array;
  /** 3N */
  logScales: Float32Array;
  /** N */
  logitOpacities: Float32Array;
  /**
   * 3N, base RGB = 0.5 + SH_C0 * f_dc (may fall outside [0, 1]). Written as f_dc, a colour survives a
   * write/read exactly in about [0.25, 1.6] and within 1e-7 elsewhere in [-1, 2].
   */
  colors: Float32Array;
  /** 0..3 */
  shDegree: number;
  /** N * 3 * ((shDegree + 1)^2 - 1), channel-major per Gaussian exactly as in the file. */
  shRest?: Float32Array;
  /** Any other per-vertex scalar properties found (e.g. segmentation channels), N each; written back as float. */
  extra?: Record<string, Float32Array>;
  /**
   * The f_dc values as read (3N). `colors` is derived from them; the encoder writes these back wherever
   * they still give the same colour, so a file re-saves bit-identically, and recomputes f_dc elsewhere.
   */
  fDc?: Float32Array;
}

const REQUIRED = [
  'x',
  'y',
  'z',
  'f_dc_0',
  'f_dc_1',
  'f_dc_2',
  'opacity',
  'scale_0',
  'scale_1',
  'scale_2',
  'rot_0',
  'rot_1',
  'rot_2',
  'rot_3',
];
const NORMALS = ['nx', 'ny', 'nz'];
const REST_PATTERN = /^f_rest_(\d+)$/;

/** Number of f_rest values per Gaussian (all three channels) for an SH degree. */
export function shRestCount(degree: number): number {
  return 3 * ((degree + 1) ** 2 - 1);
}

function degreeFromRest(count: number): number | undefined {
  for (let d = 0; d <= 3; d++) if (shRestCount(d) === count) return d;
  return undefined;
}

function colorFromDc(dc: number): number {
  return Math.fround(0.5 + SH_C0 * dc);
}

/**
 * The float32 f_dc for a colour. Exact (colour -> f_dc -> colour) for colours in about [0.25, 1.6]; further
 * out, neighbouring f_dc values map to colours more than one ulp apart, so some colours have no f_dc and
 * the nearest is taken (the direct inverse was measured to hit the nearest in every case tested).
 */
export function dcFromColor(color: number): number {
  return Math.fround((color - 0.5) / SH_C0);
}

export function parseGaussianPly(bytes: Uint8Array, source = '<gaussian ply>'): GaussianCloudData {
  const { header, columns } = decodePly(bytes, source, (n) => new Float32Array(n));
  const e = header.elements.findIndex((el) => el.name === 'vertex');
  if (e < 0) throw new Error(`${source}: Gaussian PLY has no 'vertex' element`);
  const vertex = header.elements[e];
  const cols = columns[e];
  const count = vertex.count;
  for (const name of REQUIRED) {
    if (!cols[name]) {
      throw new Error(
        `${source}: Gaussian PLY element 'vertex' has no property '${name}' (required: x y z f_dc_0..2 opacity scale_0..2 rot_0..3)`,
      );
    }
  }
  const restIndices = Object.keys(cols)
    .map((n) => REST_PATTERN.exec(n))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
  const restCount = restIndices.length;
  const shDegree = degreeFromRest(restCount);
  if (shDegree === undefined) {
    throw new Error(
      `${source}: Gaussian PLY has ${restCount} f_rest_* properties, expected 0, 9, 24 or 45 (SH degree 0..3)`,
    );
  }
  for (let k = 0; k < restCount; k++) {
    if (!cols[`f_rest_${k}`])
      throw new Error(
        `${source}: Gaussian PLY has no property 'f_rest_${k}' (expected f_rest_0..${restCount - 1})`,
      );
  }

  const interleave = (names: string[]): Float32Array => {
    const width = names.length;
    const out = new Float32Array(width * count);
    names.forEach((name, k) => {
      const col = cols[name];
      for (let i = 0; i < count; i++) out[width * i + k] = col[i];
    });
    return out;
  };
  const fDc = interleave(['f_dc_0', 'f_dc_1', 'f_dc_2']);
  const colors = new Float32Array(fDc.length);
  for (let i = 0; i < fDc.length; i++) colors[i] = colorFromDc(fDc[i]);
  const cloud: GaussianCloudData = {
    count,
    means: interleave(['x', 'y', 'z']),
    quaternions: interleave(['rot_0', 'rot_1', 'rot_2', 'rot_3']),
    logScales: interleave(['scale_0', 'scale_1', 'scale_2']),
    logitOpacities: cols.opacity,
    colors,
    shDegree,
    fDc,
  };
  if (restCount > 0) cloud.shRest = interleave(Array.from({ length: restCount }, (_, k) => `f_rest_${k}`));
  const known = new Set([...REQUIRED, ...NORMALS]);
  const extraNames = vertex.properties
    .filter((p) => p.type !== 'list' && !known.has(p.name) && !REST_PATTERN.test(p.name))
    .map((p) => p.name);
  if (extraNames.length > 0) cloud.extra = Object.fromEntries(extraNames.map((n) => [n, cols[n]]));
  return cloud;
}

function checkLength(array: Float32Array | undefined, expected: number, name: string): void {
  if (!(array instanceof Float32Array)) throw new Error(`Gaussian PLY: ${name} must be a Float32Array`);
  if (array.length !== expected) {
    throw new Error(`Gaussian PLY: ${name} has ${array.length} values, expected ${expected}`);
  }
}

/** The property names of the Inria layout for an SH degree, in file order (without extras). */
export function gaussianPlyPropertyNames(shDegree: number): string[] {
  const rest = Array.from({ length: shRestCount(shDegree) }, (_, k) => `f_rest_${k}`);
  return [
    'x',
    'y',
    'z',
    ...NORMALS,
    'f_dc_0',
    'f_dc_1',
    'f_dc_2',
    ...rest,
    'opacity',
    'scale_0',
    'scale_1',
    'scale_2',
    'rot_0',
    'rot_1',
    'rot_2',
    'rot_3',
  ];
}

export function encodeGaussianPly(cloud: GaussianCloudData): Uint8Array {
  const n = cloud.count;
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`Gaussian PLY: count must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(cloud.shDegree) || cloud.shDegree < 0 || cloud.shDegree > 3) {
    throw new Error(`Gaussian PLY: shDegree must be 0, 1, 2 or 3, got ${cloud.shDegree}`);
  }
  checkLength(cloud.means, 3 * n, 'means');
  checkLength(cloud.quaternions, 4 * n, 'quaternions');
  checkLength(cloud.logScales, 3 * n, 'logScales');
  checkLength(cloud.logitOpacities, n, 'logitOpacities');
  checkLength(cloud.colors, 3 * n, 'colors');
  const restCount = shRestCount(cloud.shDegree);
  if (restCount > 0) checkLength(cloud.shRest, restCount * n, `shRest (degree ${cloud.shDegree})`);
  else if (cloud.shRest && cloud.shRest.length > 0) {
    throw new Error(`Gaussian PLY: shRest has ${cloud.shRest.length} values but shDegree is 0`);
  }
  if (cloud.fDc) checkLength(cloud.fDc, 3 * n, 'fDc');
  const names = gaussianPlyPropertyNames(cloud.shDegree);
  const extra = Object.entries(cloud.extra ?? {});
  const taken = new Set(names);
  for (const [name, values] of extra) {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) || taken.has(name) || REST_PATTERN.test(name)) {
      throw new Error(`Gaussian PLY: extra property name '${name}' is not a valid, unused PLY property name`);
    }
    checkLength(values, n, `extra.${name}`);
    taken.add(name);
  }

  const header = new TextEncoder().encode(
    [
      'ply',
      'format binary_little_endian 1.0',
      `element vertex ${n}`,
      ...names.map((p) => `property float ${p}`),
      ...extra.map(([p]) => `property float ${p}`),
      'end_header',
      '',
    ].join('\n'),
  );
  const width = names.length + extra.length;
  const out = new Uint8Array(header.length + 4 * width * n);
  out.set(header);
  const view = new DataView(out.buffer);
  const { means, quaternions, logScales, logitOpacities, colors, shRest, fDc } = cloud;
  let o = header.length;
  const put = (v: number) => {
    view.setFloat32(o, v, true);
    o += 4;
  };
  for (let i = 0; i < n; i++) {
    put(means[3 * i]);
    put(means[3 * i + 1]);
    put(means[3 * i + 2]);
    o += 12; // normals stay zero
    for (let k = 3 * i; k < 3 * i + 3; k++) {
      put(fDc && colorFromDc(fDc[k]) === colors[k] ? fDc[k] : dcFromColor(colors[k]));
    }
    if (shRest) for (let k = restCount * i; k < restCount * (i + 1); k++) put(shRest[k]);
    put(logitOpacities[i]);
    put(logScales[3 * i]);
    put(logScales[3 * i + 1]);
    put(logScales[3 * i + 2]);
    for (let k = 4 * i; k < 4 * i + 4; k++) put(quaternions[k]);
    for (const [, values] of extra) put(values[i]);
  }
  return out;
}

export async function readGaussianPly(path: string): Promise<GaussianCloudData> {
  const buffer = await readFile(path);
  return parseGaussianPly(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path);
}

export async function writeGaussianPly(path: string, cloud: GaussianCloudData): Promise<void> {
  await writeFile(path, encodeGaussianPly(cloud));
}
