// Acceptance tests of the synthetic capture rig at the level of written episodes: what a tracker will read.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { readEpisode, validateEpisode } from '@gsdyn/formats';
import {
  backproject,
  cameraCentre,
  closestTriangle,
  pointMeshDistance,
  project,
  rayTriangleIntersection,
  triangleNormal,
  type Vec3,
} from '@gsdyn/geometry';
import { generateEpisode, type SimEpisodeOptions } from '../src/episode.js';
import { makePusher } from '../src/scene/pusher.js';
import { simulateObject } from '../src/simulate.js';

const base: Omit<SimEpisodeOptions, 'kind'> = {
  frames: 3,
  width: 320,
  height: 240,
  views: 4,
  seed: 11,
  surfacePoints: 256,
};
const kinds = ['rope', 'cloth', 'plush'] as const;

let dir: string;
/** One noiseless episode per object, shared by the tests that only read it. */
const noiseless = new Map<(typeof kinds)[number], string>();
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-sim-episode-'));
  for (const kind of kinds) {
    const out = join(dir, `noiseless-${kind}`);
    await generateEpisode(out, { ...base, kind, depthNoise: { enabled: false } });
    noiseless.set(kind, out);
  }
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('noiseless depth of object pixels back-projects to within 1 mm of the rendered mesh (rope, cloth, plush)', async (t) => {
  for (const kind of kinds) {
    const episode = await readEpisode(noiseless.get(kind)!);
    // The simulation is deterministic: re-running it gives the mesh that was rendered.
    const sim = simulateObject(kind, { frames: base.frames, fps: 15, seed: base.seed });
    const frame = base.frames - 1;
    const vertices = sim.surface.vertices[frame];
    let worst = 0;
    let checked = 0;
    for (let c = 0; c < episode.cameras.length; c++) {
      const cam = episode.cameras[c];
      const depth = await episode.readDepth(c, frame);
      const mask = await episode.readMask(c, frame);
      // Every 3rd object pixel keeps the brute-force distance search quick.
      for (let i = 0; i < mask.data.length; i += 3) {
        if (mask.data[i] === 0 || depth.data[i] === 0) continue;
        const u = i % cam.width;
        const v = Math.floor(i / cam.width);
        const p = backproject(cam, u, v, depth.data[i] / 1000);
        worst = Math.max(worst, pointMeshDistance(p, vertices, sim.surface.triangles));
        checked++;
      }
    }
    t.diagnostic(
      `${kind}: worst of ${checked} object pixels is ${(worst * 1000).toFixed(3)} mm from the mesh`,
    );
    assert.ok(checked > 50, `${kind}: only ${checked} object pixels`);
    assert.ok(
      worst < 0.001,
      `${kind}: worst back-projected depth is ${(worst * 1000).toFixed(3)} mm from the mesh`,
    );
  }
});

test('at least 95% of visible ground-truth points project inside the rendered object mask', async (t) => {
  for (const kind of kinds) {
    const episode = await readEpisode(noiseless.get(kind)!);
    const truth = await episode.readTruth();
    assert.ok(truth?.surfaceVisibility, `${kind}: no visibility written`);
    const { frames, count, data } = truth.surfacePoints;
    const C = episode.cameras.length;
    let visible = 0;
    let inside = 0;
    for (let t = 0; t < frames; t++)
      for (let c = 0; c < C; c++) {
        const cam = episode.cameras[c];
        const mask = await episode.readMask(c, t);
        for (let k = 0; k < count; k++) {
          if (!truth.surfaceVisibility[(t * C + c) * count + k]) continue;
          const o = (t * count + k) * 3;
          const p = project(cam, [data[o], data[o + 1], data[o + 2]]);
          const u = Math.round(p.u);
          const v = Math.round(p.v);
          visible++;
          if (u >= 0 && v >= 0 && u < cam.width && v < cam.height && mask.data[v * cam.width + u] > 0)
            inside++;
        }
      }
    assert.ok(visible > 0.1 * frames * C * count, `${kind}: only ${visible} visible point observations`);
    t.diagnostic(`${kind}: ${inside}/${visible} visible point observations inside the mask`);
    assert.ok(
      inside / visible >= 0.95,
      `${kind}: ${((100 * inside) / visible).toFixed(1)}% of visible points inside the mask`,
    );
  }
});

/** True when the segment from `eye` to `p` crosses a triangle more than `margin` metres before reaching p. */
function occluded(
  eye: number[],
  p: number[],
  vertices: ArrayLike<number>,
  triangles: ArrayLike<number>,
  margin: number,
) {
  const dir = [p[0] - eye[0], p[1] - eye[1], p[2] - eye[2]];
  const limit = 1 - margin / Math.hypot(dir[0], dir[1], dir[2]);
  for (let t = 0; t < triangles.length; t += 3) {
    const hit = rayTriangleIntersection(
      eye,
      dir,
      vertices,
      3 * triangles[t],
      3 * triangles[t + 1],
      3 * triangles[t + 2],
    );
    if (hit >= 0 && hit < limit) return true;
  }
  return false;
}

test('ground-truth visibility agrees with ray casting against the meshes that were rendered', async (t) => {
  for (const kind of kinds) {
    const episode = await readEpisode(noiseless.get(kind)!);
    const truth = await episode.readTruth();
    assert.ok(truth?.surfaceVisibility);
    const sim = simulateObject(kind, { frames: base.frames, fps: 15, seed: base.seed });
    const { frames, count, data } = truth.surfacePoints;
    const C = episode.cameras.length;
    let visible = 0;
    let visibleButOccluded = 0;
    let facingClear = 0;
    let facingClearVisible = 0;
    for (let t = 0; t < frames; t++) {
      const vertices = sim.surface.vertices[t];
      const tris = sim.surface.triangles;
      const pusher = makePusher(sim.endEffector[t], sim.pusherRadius);
      for (let k = 0; k < count; k++) {
        const p: Vec3 = [
          data[(t * count + k) * 3],
          data[(t * count + k) * 3 + 1],
          data[(t * count + k) * 3 + 2],
        ];
        const { triangle } = closestTriangle(p, vertices, tris);
        const normal = triangleNormal(
          vertices,
          3 * tris[3 * triangle],
          3 * tris[3 * triangle + 1],
          3 * tris[3 * triangle + 2],
        );
        const nl = Math.hypot(normal[0], normal[1], normal[2]);
        for (let ci = 0; ci < C; ci++) {
          const eye = cameraCentre(episode.cameras[ci]);
          const isVisible = truth.surfaceVisibility[(t * C + ci) * count + k] === 1;
          const blocked =
            occluded(eye, p, vertices, tris, 0.002) ||
            occluded(eye, p, pusher.positions, pusher.triangles, 0);
          const toEye = [eye[0] - p[0], eye[1] - p[1], eye[2] - p[2]];
          let cos =
            (normal[0] * toEye[0] + normal[1] * toEye[1] + normal[2] * toEye[2]) /
            (nl * Math.hypot(...toEye));
          if (kind === 'cloth') cos = Math.abs(cos); // printed on both sides
          const pr = project(episode.cameras[ci], p);
          const inImage =
            pr.u > 1 &&
            pr.v > 1 &&
            pr.u < episode.cameras[ci].width - 2 &&
            pr.v < episode.cameras[ci].height - 2;
          if (isVisible) {
            visible++;
            if (blocked) visibleButOccluded++;
          }
          if (!blocked && cos > 0.5 && inImage) {
            facingClear++;
            if (isVisible) facingClearVisible++;
          }
        }
      }
    }
    assert.ok(visible > 0 && facingClear > 0, `${kind}: nothing to compare`);
    t.diagnostic(
      `${kind}: ${visibleButOccluded}/${visible} visible points occluded by ray cast; ` +
        `${facingClearVisible}/${facingClear} unoccluded camera-facing points visible`,
    );
    // No point marked visible has a surface more than the 3 mm visibility tolerance in front of it. The slack is for
    // occlusion boundaries: visibility is decided at the pixel centre, up to half a pixel from the point's own ray,
    // so a point can be clipped by the sliver of an ear or leg edge that its pixel's centre sees past (1% on the plush).
    assert.ok(
      visibleButOccluded <= 0.02 * visible,
      `${kind}: ${visibleButOccluded} of ${visible} visible points are occluded`,
    );
    // Unoccluded points facing the camera are found (silhouette points of a thin rope may not be depicted).
    const recall = facingClearVisible / facingClear;
    assert.ok(
      recall >= 0.9,
      `${kind}: only ${(100 * recall).toFixed(1)}% of unoccluded camera-facing points are visible`,
    );
  }
});

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

test('same arguments and seed give identical bytes; another seed gives another episode', async () => {
  const options: SimEpisodeOptions = { ...base, kind: 'rope', width: 96, height: 72 };
  const [a, b, c] = [join(dir, 'same-a'), join(dir, 'same-b'), join(dir, 'other')];
  await generateEpisode(a, options);
  await generateEpisode(b, options);
  await generateEpisode(c, { ...options, seed: options.seed + 1 });
  const files = await listFiles(a);
  assert.deepEqual(await listFiles(b), files);
  assert.ok(files.length >= 4 * 3 * 3 + 4, `only ${files.length} files`);
  for (const f of files)
    assert.ok((await readFile(join(a, f))).equals(await readFile(join(b, f))), `${f} differs`);
  const differing = [];
  for (const f of files)
    if (!(await readFile(join(a, f))).equals(await readFile(join(c, f)))) differing.push(f);
  assert.ok(differing.includes('truth/particles.npy') && differing.includes('color/cam0/000000.png'));
});

test('a written episode validates and carries the rig, the pusher path and the truth shapes', async () => {
  const out = join(dir, 'valid');
  const summary = await generateEpisode(out, { ...base, kind: 'plush', width: 64, height: 48, views: 2 });
  assert.deepEqual(await validateEpisode(out), []);
  const episode = await readEpisode(out);
  assert.equal(episode.manifest.frameCount, 3);
  assert.equal(episode.cameras.length, 2);
  assert.equal(episode.manifest.endEffector?.positions.length, 3);
  const truth = await episode.readTruth();
  assert.equal(truth?.surfacePoints.count, 256);
  assert.equal(truth?.particles?.count, summary.particles);
  assert.equal(truth?.surfaceVisibility?.length, 3 * 2 * 256);
  const sheet = await readFile(join(out, 'contact_sheet.png'));
  assert.equal(sheet.subarray(1, 4).toString(), 'PNG');
});

test('bad options are rejected up front, naming the option', async () => {
  await assert.rejects(
    generateEpisode(join(dir, 'bad'), { ...base, kind: 'rope', surfacePoints: 0 }),
    /surfacePoints/,
  );
  await assert.rejects(generateEpisode(join(dir, 'bad'), { ...base, kind: 'rope', views: 9 }), /views/);
});

test('a failure in the middle of writing leaves no episode and no temporary directory behind', async () => {
  const out = join(dir, 'failed');
  // The depth sensor rejects a negative noise level when the first frame's depth is converted: after the writer
  // has started and colour images are already being written.
  await assert.rejects(
    generateEpisode(out, { ...base, kind: 'rope', width: 64, height: 48, depthNoise: { sigmaAt1m: -1 } }),
    /sigmaAt1m/,
  );
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.includes('failed')),
    [],
  );
});
