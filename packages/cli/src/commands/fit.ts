import { extname } from 'node:path';
import { readEpisode } from '@gsdyn/formats';
import { cameraCentre } from '@gsdyn/geometry';
import {
  cloudFromPointCloud,
  evaluateCloud,
  fitGaussians,
  initialPoints,
  loadFrameViews,
  type PixelConvention,
  sceneRadius,
  writeGaussianCloud,
} from '@gsdyn/splat';
import { type Command, Option } from 'commander';
import { intIn } from '../options.js';
import { Reporter, UsageError } from '../output.js';
import { Progress } from '../progress.js';
import { type Backend, backendOption, chooseRasterizer, threadsOption } from '../rasterizer-choice.js';
import { printScores } from './render.js';

interface FitCommandOptions {
  out: string;
  frame: number;
  iters: number;
  points: number;
  seed: number;
  densify: boolean;
  pixelConvention: PixelConvention;
  backend: Backend;
  threads?: number;
  json?: boolean;
}

export const pixelConventionOption = () =>
  new Option(
    '--pixel-convention <c>',
    'pixel centres: opencv (u = fx x/z + cx, as gsdyn episodes are calibrated) or 3dgs (half-pixel shift, for corner-origin K as in COLMAP/3DGS data)',
  )
    .choices(['opencv', '3dgs'])
    .default('opencv');

export function registerFit(program: Command): void {
  program
    .command('fit')
    .description(
      "Static fit of 3D Gaussians to one frame of an episode (the tracker's first-frame optimisation): start from the\n" +
        "episode's point cloud or its back-projected masked depth, optimise every parameter with Adam against the masked\n" +
        'colour images (0.8 L1 + 0.2 D-SSIM, one random camera per iteration), densify and prune on the reference\n' +
        'schedule, and report PSNR/SSIM per camera. Writes the cloud as 3DGS PLY (or .splat by extension).',
    )
    .argument('<episode>', 'episode directory')
    .requiredOption('--out <cloud>', 'output cloud: .ply (3DGS layout) or .splat')
    .option('--frame <f>', 'frame to fit', intIn(0, 10_000_000), 0)
    .option(
      '--iters <n>',
      'optimisation iterations (the reference uses 10,000 for the first frame)',
      intIn(1, 1_000_000),
      10_000,
    )
    .option('--points <n>', 'initial Gaussians at most', intIn(1, 10_000_000), 20_000)
    .option('--seed <s>', 'random seed', intIn(0, 2 ** 31 - 1), 0)
    .option(
      '--no-densify',
      'keep the initial Gaussians (no clone/split/prune; also the default below 1,000 iterations)',
    )
    .addOption(pixelConventionOption())
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--json', 'print one JSON object with the results on stdout')
    .action(async (episodeDir: string, opts: FitCommandOptions) => {
      const out = new Reporter(Boolean(opts.json));
      if (!['.ply', '.splat'].includes(extname(opts.out).toLowerCase()))
        throw new UsageError(`--out ${opts.out}: expected a .ply or .splat file name`);
      const rasterizer = chooseRasterizer(opts.backend, opts.threads);
      try {
        const started = performance.now();
        const episode = await readEpisode(episodeDir);
        const views = await loadFrameViews(episode, opts.frame);
        const init = await initialPoints(episode, views, { maxPoints: opts.points, seed: opts.seed });
        out.note(`fit: ${init.positions.length / 3} initial Gaussians from the ${init.source}`);
        const radius = sceneRadius(views.cameras.map((c) => cameraCentre(c)));
        const progress = new Progress('fit', opts.iters, { unit: 'iterations' });
        const fit = fitGaussians(
          cloudFromPointCloud(init.positions, init.colors),
          views.cameras.map((camera, c) => ({ camera, target: views.targets[c] })),
          {
            iterations: opts.iters,
            seed: opts.seed,
            sceneRadius: radius,
            densify: opts.densify ? undefined : false,
            pixelConvention: opts.pixelConvention,
            rasterizer,
            onProgress: (it, total, loss, count) =>
              progress.update(it, total, `loss ${loss.toFixed(4)}  ${count} Gaussians`),
          },
        );
        progress.finish(`${fit.cloud.count} Gaussians`);
        await writeGaussianCloud(opts.out, fit.cloud);
        const evaluation = evaluateCloud(fit.cloud, views, {
          pixelConvention: opts.pixelConvention,
          rasterizer,
        });
        printScores(out, evaluation);
        const seconds = (performance.now() - started) / 1000;
        out.say(
          `${opts.out}: ${fit.cloud.count} Gaussians, ${opts.iters} iterations in ${seconds.toFixed(1)} s`,
        );
        out.result({
          cloud: opts.out,
          episode: episodeDir,
          frame: opts.frame,
          gaussians: fit.cloud.count,
          initialGaussians: init.positions.length / 3,
          initialSource: init.source,
          iterations: opts.iters,
          finalLoss: fit.losses[fit.losses.length - 1],
          seconds,
          cameras: evaluation.cameras,
          mean: evaluation.mean,
        });
      } finally {
        rasterizer.dispose?.();
      }
    });
}
