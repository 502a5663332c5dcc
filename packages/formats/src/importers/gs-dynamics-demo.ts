import { basename, join, resolve } from 'node:path';
import { checkRigid, invertRigid, type Mat4 } from '@gsdyn/geometry';
import { type EpisodeCamera, manifestCamera } from '../episode/camera.js';
import type { EpisodeManifest } from '../episode/manifest.js';
import { createEpisodeWriter } from '../episode/writer.js';
import { readImageInfo, readMaskImage } from '../image.js';
import { readPointCloud } from '../ply.js';
import {
  boardWorldToCameraToWorld,
  type CommonImportOptions,
  ImportError,
  type ImportProgress,
  type ImportReport,
  readNumericNpy,
} from './common.js';
import { GS_DYNAMICS_WORKSPACE } from './gs-dynamics.js';

export interface GsDynamicsDemoImportOptions extends CommonImportOptions {
  /** Frame rate recorded in the manifest (default 15; the demo is a single frame). */
  fps?: number;
}

/**
 * Imports the gs-dynamics demo assets (`img_i.png`, `mask_i.png`, `R_list.npy`, `t_list.npy`,
 * `intr_list.npy`, `pcd.ply`) as a one-frame episode. `R_list`/`t_list` are camera-to-world in the board
 * frame: worldToCamera_ours = inv([R | t]) F with F = diag(1, -1, -1, 1); points become (x, -y, -z).
 */
export async function importGsDynamicsDemo(
  srcDir: string,
  outDir: string,
  options: GsDynamicsDemoImportOptions = {},
  onProgress?: ImportProgress,
): Promise<ImportReport> {
  srcDir = resolve(srcDir);
  const rotations = await readNumericNpy(
    join(srcDir, 'R_list.npy'),
    [undefined, 3, 3],
    '(C, 3, 3) camera-to-world rotations',
  );
  const C = rotations.array.shape[0];
  if (C === 0) throw new ImportError(`${join(srcDir, 'R_list.npy')}: no cameras (shape (0, 3, 3))`);
  const centres = await readNumericNpy(
    join(srcDir, 't_list.npy'),
    [C, 3],
    `(${C}, 3) camera centres (as R_list has ${C} cameras)`,
  );
  const intrinsics = await readNumericNpy(
    join(srcDir, 'intr_list.npy'),
    [C, 3, 3],
    `(${C}, 3, 3) intrinsic matrices`,
  );

  const cameras: EpisodeCamera[] = [];
  for (let i = 0; i < C; i++) {
    const R = rotations.values.subarray(i * 9, i * 9 + 9);
    const t = centres.values.subarray(i * 3, i * 3 + 3);
    const cameraToWorld: Mat4 = Float64Array.of(
      R[0],
      R[1],
      R[2],
      t[0],
      R[3],
      R[4],
      R[5],
      t[1],
      R[6],
      R[7],
      R[8],
      t[2],
      0,
      0,
      0,
      1,
    );
    const why = checkRigid(cameraToWorld);
    if (why) throw new ImportError(`${join(srcDir, 'R_list.npy')}: R_list[${i}] is not a rotation: ${why}`);
    const K = intrinsics.values.subarray(i * 9, i * 9 + 9);
    if (!(K[0] > 0 && K[4] > 0) || K[1] !== 0 || K[3] !== 0 || K[6] !== 0 || K[7] !== 0 || K[8] !== 1)
      throw new ImportError(
        `${join(srcDir, 'intr_list.npy')}: intr_list[${i}] = [${[...K].join(', ')}]; expected [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] with fx, fy > 0`,
      );
    const image = join(srcDir, `img_${i}.png`);
    let info: Awaited<ReturnType<typeof readImageInfo>>;
    try {
      info = await readImageInfo(image);
    } catch (err) {
      throw new ImportError(`${image}: cannot read colour image of camera ${i}: ${(err as Error).message}`);
    }
    cameras.push({
      id: `cam${i}`,
      width: info.width,
      height: info.height,
      fx: K[0],
      fy: K[4],
      cx: K[2],
      cy: K[5],
      worldToCamera: boardWorldToCameraToWorld(invertRigid(cameraToWorld)),
    });
  }

  const pcdPath = join(srcDir, 'pcd.ply');
  let cloud: Awaited<ReturnType<typeof readPointCloud>>;
  try {
    cloud = await readPointCloud(pcdPath);
  } catch (err) {
    throw new ImportError(`${pcdPath}: cannot read the point cloud: ${(err as Error).message}`);
  }
  const positions = new Float32Array(cloud.positions.length);
  for (let i = 0; i < cloud.count; i++) {
    positions[3 * i] = cloud.positions[3 * i];
    positions[3 * i + 1] = -cloud.positions[3 * i + 1];
    positions[3 * i + 2] = -cloud.positions[3 * i + 2];
  }

  const writer = await createEpisodeWriter(outDir, {
    overwrite: options.overwrite,
    cameraIds: cameras.map((c) => c.id),
  });
  try {
    const total = 2 * C + 1;
    let done = 0;
    for (let i = 0; i < C; i++) {
      await writer.copyImage('color', cameras[i].id, 0, join(srcDir, `img_${i}.png`));
      onProgress?.(++done, total);
      const maskPath = join(srcDir, `mask_${i}.png`);
      let mask: Awaited<ReturnType<typeof readMaskImage>>;
      try {
        mask = await readMaskImage(maskPath);
      } catch (err) {
        throw new ImportError(`${maskPath}: cannot read the mask of camera ${i}: ${(err as Error).message}`);
      }
      if (mask.width !== cameras[i].width || mask.height !== cameras[i].height)
        throw new ImportError(
          `${maskPath}: ${mask.width}x${mask.height}, expected ${cameras[i].width}x${cameras[i].height} like img_${i}.png`,
        );
      await writer.writeMask(cameras[i].id, 0, mask);
      onProgress?.(++done, total);
    }
    await writer.writePointCloud({
      count: cloud.count,
      positions,
      ...(cloud.colors ? { colors: cloud.colors } : {}),
    });
    onProgress?.(++done, total);
    await writer.commit({
      name: options.name ?? basename(srcDir),
      ...(options.object ? { object: options.object } : {}),
      fps: options.fps ?? 15,
      frameCount: 1,
      cameras: cameras.map(manifestCamera),
      workspace: GS_DYNAMICS_WORKSPACE,
      source: {
        importer: 'gs-dynamics-demo',
        path: srcDir,
        worldFrame: 'board frame rotated 180 degrees about x: (x, y, z)_ours = (x, -y, -z)_board',
      },
    });
    const manifest = writer.manifest as EpisodeManifest;
    return {
      importer: 'gs-dynamics-demo',
      outDir: writer.outDir,
      frames: 1,
      cameras: cameras.map((c) => c.id),
      warnings: [],
      manifest,
    };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
