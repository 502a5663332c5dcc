import { type Mat3, multiply3, type Vec3 } from '@gsdyn/geometry';
import { boardPointToWorld } from './common.js';

/** The gs-dynamics defaults (reference `dataset.load_eef_pos` and the fixed robot mount). */
export const GS_DYNAMICS_EEF_OFFSET = 0.17;
export const GS_DYNAMICS_BASE_ROTATION: readonly number[] = [1, 0, 0, 0, -1, 0, 0, 0, -1];
export const GS_DYNAMICS_BASE_TRANSLATION: Vec3 = [-0.095, 0.085, -0.01];

export interface PusherGeometry {
  /** Distance from the flange to the pusher point along the flange z axis, metres. */
  offset: number;
  /** Robot base to board rotation, row-major 3x3. */
  baseRotation: readonly number[];
  /** Robot base to board translation, metres. */
  baseTranslation: Vec3;
}

const deg = Math.PI / 180;

/** R = Rz(yaw) Ry(pitch) Rx(roll), the xArm convention (angles in degrees). */
export function xarmRotation(rollDeg: number, pitchDeg: number, yawDeg: number): Mat3 {
  const [cr, sr] = [Math.cos(rollDeg * deg), Math.sin(rollDeg * deg)];
  const [cp, sp] = [Math.cos(pitchDeg * deg), Math.sin(pitchDeg * deg)];
  const [cy, sy] = [Math.cos(yawDeg * deg), Math.sin(yawDeg * deg)];
  const rz = Float64Array.of(cy, -sy, 0, sy, cy, 0, 0, 0, 1);
  const ry = Float64Array.of(cp, 0, sp, 0, 1, 0, -sp, 0, cp);
  const rx = Float64Array.of(1, 0, 0, 0, cr, -sr, 0, sr, cr);
  return multiply3(multiply3(rz, ry), rx);
}

/**
 * The pusher point in the board frame from an xArm pose [x, y, z (mm), roll, pitch, yaw (deg)]:
 * p_base = xyz / 1000 + R [0, 0, d]; p_board = R_base2world p_base + t_base2world.
 */
export function xarmPusherPointBoard(pose: readonly number[], geometry: PusherGeometry): Vec3 {
  const R = xarmRotation(pose[3], pose[4], pose[5]);
  const d = geometry.offset;
  const base: Vec3 = [pose[0] / 1000 + R[2] * d, pose[1] / 1000 + R[5] * d, pose[2] / 1000 + R[8] * d];
  const B = geometry.baseRotation;
  const t = geometry.baseTranslation;
  return [
    B[0] * base[0] + B[1] * base[1] + B[2] * base[2] + t[0],
    B[3] * base[0] + B[4] * base[1] + B[5] * base[2] + t[1],
    B[6] * base[0] + B[7] * base[1] + B[8] * base[2] + t[2],
  ];
}

/** The pusher point in our world frame (z up): the board point with y and z negated. */
export function xarmPusherPoint(pose: readonly number[], geometry: PusherGeometry): Vec3 {
  return boardPointToWorld(xarmPusherPointBoard(pose, geometry));
}
