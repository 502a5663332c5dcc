import { lookAt, type PinholeCamera, type Vec3 } from '@gsdyn/geometry';

export interface RigOptions {
  width: number;
  height: number;
  /** Number of cameras, 1..8 (default 4). */
  views?: number;
}

/** RealSense D4xx-like focal length at 640 x 480 (the gs-dynamics rig calibrates to 383-387 px). */
const FOCAL_AT_640 = 385;
/** Height of every camera above the table, metres (the gs-dynamics cameras stand 0.37-0.48 m above the board). */
const CAMERA_HEIGHT = 0.5;
/**
 * Camera positions on the table plane. The first four stand at the corners of the 0.6 x 0.8 m workspace, as the
 * real rig's four RealSenses do, about 0.7 m from the centre: everything within |x| < 0.2 m, |y| < 0.25 m (where
 * the objects are placed and pushed) is inside all four images, while the far corner of the workspace behind
 * each camera's own corner is not. Views 5..8 stand on the same 0.5 m ring at the sides.
 */
const STATIONS: readonly [number, number][] = [
  [0.3, 0.4],
  [-0.3, 0.4],
  [-0.3, -0.4],
  [0.3, -0.4],
  [0.5, 0],
  [0, 0.5],
  [-0.5, 0],
  [0, -0.5],
];
/** Where every camera looks: the middle of the table. */
const TARGET: Vec3 = [0, 0, 0];

/**
 * A fixed multi-view rig around the workspace: cameras cam0..cam{n-1} looking at the table centre with world up
 * as image up. Intrinsics scale with the image size from the 640 x 480 values; cx = (W - 1)/2 and cy = (H - 1)/2
 * put the principal point at the image centre under the integer-pixel-centre convention.
 */
export function makeCameraRig(options: RigOptions): (PinholeCamera & { id: string })[] {
  const { width, height } = options;
  const views = options.views ?? 4;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1)
    throw new RangeError(`makeCameraRig: width/height must be positive integers, got ${width}x${height}`);
  if (!Number.isInteger(views) || views < 1 || views > STATIONS.length)
    throw new RangeError(`makeCameraRig: views must be an integer in 1..${STATIONS.length}, got ${views}`);
  return STATIONS.slice(0, views).map(([x, y], k) => ({
    id: `cam${k}`,
    width,
    height,
    fx: (FOCAL_AT_640 * width) / 640,
    fy: (FOCAL_AT_640 * height) / 480,
    cx: (width - 1) / 2,
    cy: (height - 1) / 2,
    worldToCamera: lookAt([x, y, CAMERA_HEIGHT], TARGET, [0, 0, 1]),
  }));
}
