import { join } from 'node:path';
import { encodeColorPng, readEpisode, writeFileAtomic } from '@gsdyn/formats';
import { composeContactSheet } from '@gsdyn/sim';
import {
  type CloudEvaluation,
  evaluateCloud,
  fromPlanar,
  loadFrameViews,
  type PixelConvention,
  readGaussianCloud,
} from '@gsdyn/splat';
import type { Command } from 'commander';
import { intIn } from '../options.js';
import { Reporter } from '../output.js';
import { type Backend, backendOption, chooseRasterizer, threadsOption } from '../rasterizer-choice.js';
import { pixelConventionOption } from './fit.js';

interface RenderCommandOptions {
  episode: string;
  frame: number;
  out: string;
  pixelConvention: PixelConvention;
  backend: Backend;
  threads?: number;
  json?: boolean;
}

export function registerRender(program: Command): void {
  program
    .command('render')
    .description(
      'Render a Gaussian cloud (3DGS PLY or .splat) into every camera of an episode frame. Writes, per camera,\n' +
        '<out>/<camera>.png with the render beside the captured image, and <out>/compare.png with all of them; reports\n' +
        'PSNR and SSIM per camera inside the object mask (when the episode has masks) and over the whole image (against\n' +
        'the capture on black outside the mask, since an object-only cloud does not model the table).',
    )
    .argument('<cloud>', 'Gaussian cloud: .ply (3DGS layout) or .splat')
    .requiredOption('--episode <dir>', 'episode directory whose cameras to render')
    .requiredOption('--out <dir>', 'output directory for the images')
    .option('--frame <f>', 'frame whose captured images to compare with', intIn(0, 10_000_000), 0)
    .addOption(pixelConventionOption())
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--json', 'print one JSON object with the scores on stdout')
    .action(async (cloudPath: string, opts: RenderCommandOptions) => {
      const out = new Reporter(Boolean(opts.json));
      const rasterizer = chooseRasterizer(opts.backend, opts.threads);
      try {
        const cloud = await readGaussianCloud(cloudPath);
        const episode = await readEpisode(opts.episode);
        const views = await loadFrameViews(episode, opts.frame);
        const evaluation = evaluateCloud(cloud, views, { pixelConvention: opts.pixelConvention, rasterizer });
        const rows = views.cameras.map((cam, c) => [
          { image: fromPlanar(evaluation.renders[c], cam.width, cam.height), label: `${cam.id} render` },
          { image: fromPlanar(views.images[c], cam.width, cam.height), label: `${cam.id} captured` },
        ]);
        const files: string[] = [];
        for (let c = 0; c < rows.length; c++) {
          const file = join(opts.out, `${views.cameras[c].id}.png`);
          await writeFileAtomic(file, await encodeColorPng(composeContactSheet([rows[c]])));
          files.push(file);
        }
        const sheet = join(opts.out, 'compare.png');
        await writeFileAtomic(sheet, await encodeColorPng(composeContactSheet(rows)));
        printScores(out, evaluation);
        out.say(`${sheet}: ${cloud.count} Gaussians rendered into ${rows.length} cameras`);
        out.result({
          cloud: cloudPath,
          gaussians: cloud.count,
          frame: opts.frame,
          images: files,
          compare: sheet,
          cameras: evaluation.cameras,
          mean: evaluation.mean,
        });
      } finally {
        rasterizer.dispose?.();
      }
    });
}

export function printScores(out: Reporter, evaluation: CloudEvaluation): void {
  const f = (v: number | undefined, digits: number) => (v === undefined ? '-' : v.toFixed(digits));
  out.say('camera      mask PSNR  mask SSIM   PSNR    SSIM');
  for (const s of [...evaluation.cameras, { camera: 'mean', ...evaluation.mean }])
    out.say(
      `${s.camera.padEnd(10)} ${f(s.maskPsnr, 2).padStart(9)} ${f(s.maskSsim, 4).padStart(10)} ${f(s.psnr, 2).padStart(7)} ${f(s.ssim, 4).padStart(7)}`,
    );
}
