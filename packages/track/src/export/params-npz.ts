// The Dyn3DGS `params.npz` layout (reference/formats.md 4.4), which GBND keeps for its tracking output, so that
// the reference's visualisers and the gs-dynamics training code read our tracks as they read theirs:
//   means3D (T, N, 3), rgb_colors (T, N, 3), unnorm_rotations (T, N, 4) w x y z   per frame
//   log_scales (N, 3), logit_opacities (N, 1), seg_colors (N, 3), cam_m (C, 3), cam_c (C, 3)   static
// plus `gsdyn_extras` (N, E) when the cloud has extra channels: the layout has room for one segmentation bit
// only, and Dyn3DGS's loaders ignore keys they do not know.
import { encodeNpz, type NdArray, ndarray, readNpz, toFloat64Array, writeFileAtomic } from '@gsdyn/formats';
import type { GaussianCloud } from '@gsdyn/splat';
import type { ColorAffine } from '../color-correction.js';
import { checkTrackArrays, type TrackArrays } from './track-arrays.js';

/** Dyn3DGS allocates colour-affine parameters for this many cameras whatever the rig has. */
export const DYN3DGS_MAX_CAMERAS = 50;

export interface ParamsNpzContents {
  frames: number;
  means: Float32Array;
  rotations: Float32Array;
  /** Frame-0 means and rotations; colours from rgb_colors[0]; extras from gsdyn_extras, else from seg_colors. */
  cloud: GaussianCloud;
  /** cam_m and cam_c (image' = exp(cam_m) * image + cam_c per camera, Dyn3DGS's colour affine). */
  colorAffine: ColorAffine;
}

/**
 * Writes the tracks as a Dyn3DGS params.npz (float32, deflated like np.savez_compressed, atomically). Every
 * Gaussian is foreground (seg_colors (1, 0, 0)) unless the cloud's extra channel 0 is below 0.5, which marks it
 * as background ((0, 0, 1), Dyn3DGS's (seg, 0, 1 - seg)). Without `colorAffine`, cam_m and cam_c are zeros for
 * 50 cameras as Dyn3DGS initialises them.
 */
export async function writeParamsNpz(
  path: string,
  tracks: TrackArrays,
  colorAffine?: ColorAffine,
): Promise<void> {
  checkTrackArrays(tracks, `writeParamsNpz ${path}`);
  const { frames: T, cloud } = tracks;
  const N = cloud.count;
  const E = cloud.extraChannels;
  const rgb = new Float32Array(T * N * 3);
  for (let t = 0; t < T; t++) rgb.set(cloud.colors, t * N * 3);
  const seg = new Float32Array(N * 3);
  for (let i = 0; i < N; i++) {
    const foreground = E === 0 || cloud.extras[i * E] >= 0.5;
    seg[3 * i] = foreground ? 1 : 0;
    seg[3 * i + 2] = foreground ? 0 : 1;
  }
  let camM: Float32Array;
  let camC: Float32Array;
  if (colorAffine) {
    const { logGain, offset } = colorAffine;
    if (logGain.length % 3 !== 0 || logGain.length === 0 || offset.length !== logGain.length)
      throw new RangeError(
        `writeParamsNpz ${path}: colorAffine.logGain and .offset must both hold 3 values per camera, got ${logGain.length} and ${offset.length}`,
      );
    camM = logGain;
    camC = offset;
  } else {
    camM = new Float32Array(DYN3DGS_MAX_CAMERAS * 3);
    camC = new Float32Array(DYN3DGS_MAX_CAMERAS * 3);
  }
  const arrays: Record<string, NdArray> = {
    means3D: ndarray('float32', [T, N, 3], tracks.means),
    rgb_colors: ndarray('float32', [T, N, 3], rgb),
    unnorm_rotations: ndarray('float32', [T, N, 4], tracks.rotations),
    log_scales: ndarray('float32', [N, 3], cloud.logScales),
    logit_opacities: ndarray('float32', [N, 1], cloud.logitOpacities),
    seg_colors: ndarray('float32', [N, 3], seg),
    cam_m: ndarray('float32', [camM.length / 3, 3], camM),
    cam_c: ndarray('float32', [camC.length / 3, 3], camC),
  };
  if (E > 0) arrays.gsdyn_extras = ndarray('float32', [N, E], cloud.extras);
  await writeFileAtomic(path, encodeNpz(arrays, { compress: true }));
}

/**
 * Reads a Dyn3DGS params.npz (ours or the reference's: float64 arrays are narrowed to float32). Every key is
 * checked for presence and shape against means3D's (T, N); the error names the file and the key.
 */
export async function readParamsNpz(path: string): Promise<ParamsNpzContents> {
  const arrays = await readNpz(path);
  const get = (key: string, shape: (number | undefined)[]): { shape: number[]; data: Float32Array } => {
    const a = arrays[key];
    const expected = shape.map((d) => d ?? '?').join(', ');
    if (!a) throw new Error(`${path}: missing key '${key}' (expected (${expected}))`);
    if (a.dtype !== 'float32' && a.dtype !== 'float64')
      throw new Error(`${path}: '${key}' is ${a.dtype}, expected float32 (or float64)`);
    if (a.shape.length !== shape.length || shape.some((d, k) => d !== undefined && a.shape[k] !== d))
      throw new Error(`${path}: '${key}' has shape (${a.shape.join(', ')}), expected (${expected})`);
    const data = a.data instanceof Float32Array ? a.data : Float32Array.from(toFloat64Array(a));
    return { shape: a.shape, data };
  };
  const means3D = get('means3D', [undefined, undefined, 3]);
  const [T, N] = means3D.shape;
  if (T < 1) throw new Error(`${path}: 'means3D' has no frames`);
  const rgb = get('rgb_colors', [T, N, 3]);
  const rotations = get('unnorm_rotations', [T, N, 4]);
  const logScales = get('log_scales', [N, 3]);
  const logitOpacities = get('logit_opacities', [N, 1]);
  const seg = get('seg_colors', [N, 3]);
  const camM = get('cam_m', [undefined, 3]);
  const camC = get('cam_c', [camM.shape[0], 3]);

  let extraChannels = 0;
  let extras: Float32Array = new Float32Array(0);
  if (arrays.gsdyn_extras) {
    const e = get('gsdyn_extras', [N, undefined]);
    extraChannels = e.shape[1];
    extras = e.data;
  } else {
    // Without our own channels, keep the segmentation bit only when it says something (some background).
    const fg = new Float32Array(N);
    for (let i = 0; i < N; i++) fg[i] = seg.data[3 * i];
    if (fg.some((v) => v <= 0.5)) {
      extraChannels = 1;
      extras = fg;
    }
  }
  const cloud: GaussianCloud = {
    count: N,
    means: means3D.data.slice(0, N * 3),
    quaternions: rotations.data.slice(0, N * 4),
    logScales: logScales.data,
    logitOpacities: logitOpacities.data,
    colors: rgb.data.slice(0, N * 3),
    extraChannels,
    extras,
  };
  return {
    frames: T,
    means: means3D.data,
    rotations: rotations.data,
    cloud,
    colorAffine: { logGain: camM.data, offset: camC.data },
  };
}
