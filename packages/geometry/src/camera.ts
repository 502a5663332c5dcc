import { invertRigid, type Mat4, translationPart } from './mat4.js';
import { cross, normalize, sub, type Vec3 } from './vec3.js';

/**
 * A pinhole camera in gsdyn conventions: OpenCV axes (x right, y down, z forward), world-to-camera rigid
 * transform, pixel centres at integer coordinates (pixel (i, j) covers u in [i - 0.5, i + 0.5)), no distortion.
 * So a camera-space point (x, y, z) lands at u = fx x / z + cx, v = fy y / z + cy.
 */
export interface PinholeCamera {
  width: number;
  height: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  /** Row-major 4x4 world-to-camera. */
  worldToCamera: Mat4;
}

export interface Projection {
  u: number;
  v: number;
  /** Depth along the optical axis (camera-space z), metres. */
  z: number;
}

export function worldToCameraPoint(cam: PinholeCamera, p: Vec3): Vec3 {
  const m = cam.worldToCamera;
  return [
    m[0] * p[0] + m[1] * p[1] + m[2] * p[2] + m[3],
    m[4] * p[0] + m[5] * p[1] + m[6] * p[2] + m[7],
    m[8] * p[0] + m[9] * p[1] + m[10] * p[2] + m[11],
  ];
}

export function project(cam: PinholeCamera, p: Vec3): Projection {
  const [x, y, z] = worldToCameraPoint(cam, p);
  return { u: (cam.fx * x) / z + cam.cx, v: (cam.fy * y) / z + cam.cy, z };
}

/** World point seen at pixel (u, v) with optical-axis depth z (metres). */
export function backproject(cam: PinholeCamera, u: number, v: number, z: number): Vec3 {
  const xc: Vec3 = [((u - cam.cx) * z) / cam.fx, ((v - cam.cy) * z) / cam.fy, z];
  const c2w = invertRigid(cam.worldToCamera);
  return [
    c2w[0] * xc[0] + c2w[1] * xc[1] + c2w[2] * xc[2] + c2w[3],
    c2w[4] * xc[0] + c2w[5] * xc[1] + c2w[6] * xc[2] + c2w[7],
    c2w[8] * xc[0] + c2w[9] * xc[1] + c2w[10] * xc[2] + c2w[11],
  ];
}

export function cameraCentre(cam: PinholeCamera): Vec3 {
  return translationPart(invertRigid(cam.worldToCamera));
}

/**
 * World-to-camera (OpenCV axes) of a camera at `eye` looking at `target`; `up` is the world direction that
 * should appear up in the image (image y points away from it).
 */
export function lookAt(eye: Vec3, target: Vec3, up: Vec3 = [0, 0, 1]): Mat4 {
  const zc = normalize(sub(target, eye));
  const xc = normalize(cross(zc, up));
  const yc = cross(zc, xc);
  const m = new Float64Array(16);
  const rows = [xc, yc, zc];
  for (let r = 0; r < 3; r++) {
    m[r * 4] = rows[r][0];
    m[r * 4 + 1] = rows[r][1];
    m[r * 4 + 2] = rows[r][2];
    m[r * 4 + 3] = -(rows[r][0] * eye[0] + rows[r][1] * eye[1] + rows[r][2] * eye[2]);
  }
  m[15] = 1;
  return m;
}

/** The intrinsic matrix K as row-major nested arrays. */
export function intrinsicMatrix(cam: Pick<PinholeCamera, 'fx' | 'fy' | 'cx' | 'cy'>): number[][] {
  return [
    [cam.fx, 0, cam.cx],
    [0, cam.fy, cam.cy],
    [0, 0, 1],
  ];
}
