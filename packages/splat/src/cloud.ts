/**
 * Creating, copying, slicing and converting GaussianClouds (struct-of-arrays; see types.ts for the layout).
 */
import type { GaussianCloudData } from '@gsdyn/formats';
import { knn } from '@gsdyn/geometry';
import type { AdamGroup } from './adam.js';
import type { GaussianCloud, GaussianGradients } from './types.js';

/** The per-Gaussian parameter arrays of a cloud; also the names of the Adam groups that optimise them. */
export type CloudParamName = 'means' | 'quaternions' | 'logScales' | 'logitOpacities' | 'colors' | 'extras';
export const CLOUD_PARAM_NAMES: readonly CloudParamName[] = [
  'means',
  'quaternions',
  'logScales',
  'logitOpacities',
  'colors',
  'extras',
];

/** Values per Gaussian of each parameter array. */
export function cloudItemSizes(extraChannels: number): Record<CloudParamName, number> {
  return { means: 3, quaternions: 4, logScales: 3, logitOpacities: 1, colors: 3, extras: extraChannels };
}

/** Throws unless every array of the cloud has the length its count implies. */
export function checkCloud(c: GaussianCloud, what = 'GaussianCloud'): void {
  if (!Number.isInteger(c.count) || c.count < 0)
    throw new RangeError(`${what}: count must be >= 0, got ${c.count}`);
  if (!Number.isInteger(c.extraChannels) || c.extraChannels < 0) {
    throw new RangeError(`${what}: extraChannels must be >= 0, got ${c.extraChannels}`);
  }
  const sizes = cloudItemSizes(c.extraChannels);
  for (const name of CLOUD_PARAM_NAMES) {
    const expected = sizes[name] * c.count;
    if (c[name].length !== expected) {
      throw new RangeError(
        `${what}: ${name} has ${c[name].length} values, expected ${expected} (count ${c.count})`,
      );
    }
  }
}

/** N Gaussians at the origin: identity quaternions, zero log scales (1 m), opacity 0.5, black, zero extras. */
export function createCloud(count: number, extraChannels = 0): GaussianCloud {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`createCloud: count must be >= 0, got ${count}`);
  if (!Number.isInteger(extraChannels) || extraChannels < 0) {
    throw new RangeError(`createCloud: extraChannels must be >= 0, got ${extraChannels}`);
  }
  const quaternions = new Float32Array(4 * count);
  for (let i = 0; i < count; i++) quaternions[4 * i] = 1;
  return {
    count,
    means: new Float32Array(3 * count),
    quaternions,
    logScales: new Float32Array(3 * count),
    logitOpacities: new Float32Array(count),
    colors: new Float32Array(3 * count),
    extraChannels,
    extras: new Float32Array(extraChannels * count),
  };
}

export function cloneCloud(c: GaussianCloud): GaussianCloud {
  return {
    count: c.count,
    means: c.means.slice(),
    quaternions: c.quaternions.slice(),
    logScales: c.logScales.slice(),
    logitOpacities: c.logitOpacities.slice(),
    colors: c.colors.slice(),
    extraChannels: c.extraChannels,
    extras: c.extras.slice(),
  };
}

function gather(src: Float32Array, indices: Uint32Array, size: number): Float32Array {
  const out = new Float32Array(indices.length * size);
  for (let j = 0; j < indices.length; j++) {
    const s = indices[j] * size;
    for (let k = 0; k < size; k++) out[j * size + k] = src[s + k];
  }
  return out;
}

/** A new cloud of the Gaussians `indices` (in that order; repeats allowed). */
export function selectGaussians(c: GaussianCloud, indices: Uint32Array): GaussianCloud {
  for (const i of indices) {
    if (i >= c.count) throw new RangeError(`selectGaussians: index ${i} out of range (count ${c.count})`);
  }
  const sizes = cloudItemSizes(c.extraChannels);
  return {
    count: indices.length,
    means: gather(c.means, indices, sizes.means),
    quaternions: gather(c.quaternions, indices, sizes.quaternions),
    logScales: gather(c.logScales, indices, sizes.logScales),
    logitOpacities: gather(c.logitOpacities, indices, sizes.logitOpacities),
    colors: gather(c.colors, indices, sizes.colors),
    extraChannels: c.extraChannels,
    extras: gather(c.extras, indices, sizes.extras),
  };
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The Gaussians of a followed by those of b; both must have the same extraChannels. */
export function concatClouds(a: GaussianCloud, b: GaussianCloud): GaussianCloud {
  if (a.extraChannels !== b.extraChannels) {
    throw new RangeError(`concatClouds: extraChannels differ (${a.extraChannels} vs ${b.extraChannels})`);
  }
  return {
    count: a.count + b.count,
    means: concat(a.means, b.means),
    quaternions: concat(a.quaternions, b.quaternions),
    logScales: concat(a.logScales, b.logScales),
    logitOpacities: concat(a.logitOpacities, b.logitOpacities),
    colors: concat(a.colors, b.colors),
    extraChannels: a.extraChannels,
    extras: concat(a.extras, b.extras),
  };
}

/** Zero gradients shaped like the cloud (plus 2N screen means). */
export function zeroGradients(c: GaussianCloud): GaussianGradients {
  return {
    means: new Float32Array(3 * c.count),
    quaternions: new Float32Array(4 * c.count),
    logScales: new Float32Array(3 * c.count),
    logitOpacities: new Float32Array(c.count),
    colors: new Float32Array(3 * c.count),
    extras: new Float32Array(c.extraChannels * c.count),
    screenMeans: new Float32Array(2 * c.count),
  };
}

/** Adam groups named after the cloud's arrays (they alias them), for the parameters given a learning rate. */
export function cloudAdamGroups(c: GaussianCloud, lr: Partial<Record<CloudParamName, number>>): AdamGroup[] {
  return CLOUD_PARAM_NAMES.filter((name) => lr[name] !== undefined).map((name) => ({
    name,
    params: c[name],
    lr: lr[name] as number,
  }));
}

/** Squared-distance floor of the reference initialisation (mean of the 3-NN squared distances). */
export const MIN_INIT_SQ_DIST = 1e-7;

/**
 * The reference initialisation (Dyn3DGS / gs-dynamics, digest 3.2): one Gaussian per point, mean = point,
 * colour = point colour, identity quaternion, logit opacity 0 (opacity 0.5), and an isotropic log scale
 * log(sqrt(max(mean squared distance to the 3 nearest other points, 1e-7))). With fewer than 4 points the
 * mean is over the N - 1 others (a single point gets the floor).
 */
export function cloudFromPointCloud(
  positions: Float32Array,
  colors: Float32Array,
  options: { extras?: Float32Array; extraChannels?: number } = {},
): GaussianCloud {
  if (positions.length % 3 !== 0) {
    throw new RangeError(
      `cloudFromPointCloud: positions has ${positions.length} values, expected 3 per point`,
    );
  }
  const n = positions.length / 3;
  if (colors.length !== 3 * n) {
    throw new RangeError(
      `cloudFromPointCloud: colors has ${colors.length} values, expected ${3 * n} (3 per point)`,
    );
  }
  const extras = options.extras ?? new Float32Array(0);
  const extraChannels = options.extraChannels ?? (n > 0 ? extras.length / n : 0);
  if (!Number.isInteger(extraChannels) || extras.length !== extraChannels * n) {
    throw new RangeError(
      `cloudFromPointCloud: extras has ${extras.length} values, expected extraChannels (${extraChannels}) * ${n} points`,
    );
  }
  const cloud = createCloud(n, extraChannels);
  cloud.means.set(positions);
  cloud.colors.set(colors);
  cloud.extras.set(extras);
  const k = Math.min(3, n - 1);
  const neighbours = k > 0 ? knn(positions, k) : undefined;
  for (let i = 0; i < n; i++) {
    let meanSq = 0;
    if (neighbours) {
      for (let j = 0; j < k; j++) meanSq += neighbours.distances2[i * k + j];
      meanSq /= k;
    }
    const logScale = Math.log(Math.sqrt(Math.max(meanSq, MIN_INIT_SQ_DIST)));
    cloud.logScales.fill(logScale, 3 * i, 3 * i + 3);
  }
  return cloud;
}

const EXTRA_PATTERN = /^extra_(\d+)$/;

/**
 * The formats package's interchange type: colours are the base RGB (written as SH degree 0 f_dc), extra
 * channel e becomes the per-vertex property 'extra_<e>'. Arrays are copied.
 */
export function cloudToFileData(c: GaussianCloud): GaussianCloudData {
  checkCloud(c, 'cloudToFileData');
  const data: GaussianCloudData = {
    count: c.count,
    means: c.means.slice(),
    quaternions: c.quaternions.slice(),
    logScales: c.logScales.slice(),
    logitOpacities: c.logitOpacities.slice(),
    colors: c.colors.slice(),
    shDegree: 0,
  };
  if (c.extraChannels > 0) {
    const extra: Record<string, Float32Array> = {};
    for (let e = 0; e < c.extraChannels; e++) {
      const channel = new Float32Array(c.count);
      for (let i = 0; i < c.count; i++) channel[i] = c.extras[i * c.extraChannels + e];
      extra[`extra_${e}`] = channel;
    }
    data.extra = extra;
  }
  return data;
}

/**
 * A cloud from the formats' interchange type. Extras come from the properties extra_0..extra_{E-1} (which
 * must be contiguous); other extra properties and higher SH bands are ignored (the renderer uses base RGB).
 */
export function cloudFromFileData(d: GaussianCloudData): GaussianCloud {
  const numbered: [number, Float32Array][] = [];
  for (const [name, values] of Object.entries(d.extra ?? {})) {
    const m = EXTRA_PATTERN.exec(name);
    if (m) numbered.push([Number(m[1]), values]);
  }
  numbered.sort((a, b) => a[0] - b[0]);
  numbered.forEach(([e], j) => {
    if (e !== j)
      throw new RangeError(
        `cloudFromFileData: extra properties must be extra_0..extra_${numbered.length - 1}, found extra_${e}`,
      );
  });
  const e = numbered.length;
  const extras = new Float32Array(e * d.count);
  for (let k = 0; k < e; k++) {
    const values = numbered[k][1];
    if (values.length !== d.count) {
      throw new RangeError(`cloudFromFileData: extra_${k} has ${values.length} values, expected ${d.count}`);
    }
    for (let i = 0; i < d.count; i++) extras[i * e + k] = values[i];
  }
  const cloud: GaussianCloud = {
    count: d.count,
    means: d.means.slice(),
    quaternions: d.quaternions.slice(),
    logScales: d.logScales.slice(),
    logitOpacities: d.logitOpacities.slice(),
    colors: d.colors.slice(),
    extraChannels: e,
    extras,
  };
  checkCloud(cloud, 'cloudFromFileData');
  return cloud;
}
