import { type Mat4, mat4FromRows, mat4ToRows, type PinholeCamera } from '@gsdyn/geometry';
import type { EpisodeManifest, ManifestCamera } from './manifest.js';

/** A manifest camera as a geometry camera, keeping its id. */
export type EpisodeCamera = PinholeCamera & { id: string };

export function cameraFromManifestEntry(entry: ManifestCamera): EpisodeCamera {
  return {
    id: entry.id,
    width: entry.width,
    height: entry.height,
    fx: entry.K[0][0],
    fy: entry.K[1][1],
    cx: entry.K[0][2],
    cy: entry.K[1][2],
    worldToCamera: mat4FromRows(entry.worldToCamera),
  };
}

export function cameraFromManifest(manifest: Pick<EpisodeManifest, 'cameras'>, index: number): EpisodeCamera {
  const entry = manifest.cameras[index];
  if (entry === undefined)
    throw new RangeError(`camera index ${index}: the episode has ${manifest.cameras.length} cameras`);
  return cameraFromManifestEntry(entry);
}

/** The manifest entry of a camera (inverse of `cameraFromManifestEntry`). */
export function manifestCamera(camera: EpisodeCamera): ManifestCamera {
  return {
    id: camera.id,
    width: camera.width,
    height: camera.height,
    K: [
      [camera.fx, 0, camera.cx],
      [0, camera.fy, camera.cy],
      [0, 0, 1],
    ],
    worldToCamera: mat4ToRows(camera.worldToCamera) as ManifestCamera['worldToCamera'],
  };
}

/** Row-major 4x4 as the manifest's nested tuple type. */
export function mat4ToManifest(m: Mat4): ManifestCamera['worldToCamera'] {
  return mat4ToRows(m) as ManifestCamera['worldToCamera'];
}
