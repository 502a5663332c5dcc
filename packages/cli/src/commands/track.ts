import { readEpisode } from '@gsdyn/formats';
import type { PixelConvention } from '@gsdyn/splat';
import {
  evaluateTracks,
  PRESET_NAMES,
  type PresetName,
  plannedTrackIterations,
  secondsPerLaterFrame,
  TRACK_DEFAULTS,
  type TrackEvaluation,
  trackEpisode,
  writeTrackArtifacts,
} from '@gsdyn/track';
import { type Command, Option } from 'commander';
import { intIn, numberIn } from '../options.js';
import { Reporter } from '../output.js';
import { Progress } from '../progress.js';
import { type Backend, backendOption, chooseRasterizer, threadsOption } from '../rasterizer-choice.js';
import { printTrackMetrics } from './eval-tracks.js';
import { pixelConventionOption } from './fit.js';

interface TrackCommandOptions {
  out: string;
  preset: PresetName;
  itersFirst: number;
  iters: number;
  points: number;
  frames?: number;
  seed: number;
  occlusion: 'auto' | 'on' | 'off';
  depthWeight?: number;
  alignIters?: number;
  velocityScale?: number;
  neighbourSpread?: number;
  minVisibleWeight?: number;
  video: boolean;
  pixelConvention: PixelConvention;
  backend: Backend;
  threads?: number;
  json?: boolean;
}

export function registerTrack(program: Command): void {
  program
    .command('track')
    .description(
      "Dense 3D tracking of an episode with dynamic 3D Gaussians (the paper's modified Dyn3DGS). Frame 0: fit every\n" +
        'parameter (segmentation channel against the masks, per-camera colour correction, densification). Later frames:\n' +
        'from the previous frame (gs-dynamics; dyn3dgs: a constant-velocity prediction), optimise means and rotations\n' +
        'only (gs-dynamics; dyn3dgs also colours and scales) after a coarse rigid alignment (gs-dynamics), with local\n' +
        'rigidity, rotation similarity, isometry, table and background terms. Writes <out>/ with tracks (means.npy,\n' +
        'rotations.npy), the frame-0 cloud, losses.csv, params.npz (Dyn3DGS layout), per-frame PLYs, a contact sheet and\n' +
        'an MP4 of the Gaussians coloured by initial position; evaluates against the ground truth when the episode has it.',
    )
    .argument('<episode>', 'episode directory')
    .requiredOption('--out <dir>', 'output track directory')
    .addOption(
      new Option('--preset <name>', 'gs-dynamics (the paper) or dyn3dgs (the unmodified baseline)')
        .choices(PRESET_NAMES)
        .default('gs-dynamics'),
    )
    .option('--iters-first <n>', 'iterations at frame 0', intIn(1, 1_000_000), TRACK_DEFAULTS.itersFirst)
    .option('--iters <n>', 'iterations at every later frame', intIn(1, 1_000_000), TRACK_DEFAULTS.iters)
    .option('--points <n>', 'initial Gaussians at most', intIn(1, 10_000_000), TRACK_DEFAULTS.maxGaussians)
    .option('--frames <n>', 'track only the first n frames', intIn(1, 10_000_000))
    .option('--seed <s>', 'random seed', intIn(0, 2 ** 31 - 1), TRACK_DEFAULTS.seed)
    .addOption(
      new Option(
        '--occlusion <mode>',
        'leave the pixels where the depth shows an occluder (the pusher) in front of the object out of the image and seg losses; auto: on for gs-dynamics, off for dyn3dgs',
      )
        .choices(['auto', 'on', 'off'])
        .default('auto'),
    )
    .option(
      '--depth-weight <w>',
      "weight of the depth loss at every frame (mean absolute error in metres of the rendered depth against the masked captured depth; not in the reference); default: the preset's, 0 turns it off",
      numberIn(0, 1e9),
    )
    .option(
      '--align-iters <n>',
      "iterations of coarse rigid alignment of the whole object before each later frame's own (not in the reference); default: the preset's (gs-dynamics 30, dyn3dgs 0)",
      intIn(0, 1_000_000),
    )
    .option(
      '--velocity-scale <f>',
      "each later frame starts from the previous one moved on by this fraction of its last velocity (1: the reference's constant-velocity prediction, 0: no prediction); default: the preset's",
      numberIn(0, 1),
    )
    .option(
      '--neighbour-spread <s>',
      "widen the neighbourhoods of the rigidity, rotation and isometry priors: keep the 10 nearest of the 20 neighbours and spread the other 10 over the 20*s nearest (1: the reference's 20 nearest); default: the preset's (gs-dynamics 5, dyn3dgs 1)",
      numberIn(1, 1e6),
    )
    .option(
      '--min-visible-weight <px>',
      "after the frame-0 fit, drop the Gaussians whose blending weights over all the cameras' images add up to fewer pixels than this (not in the reference); default: the preset's (0, keep all)",
      numberIn(0, 1e9),
    )
    .option('--no-video', 'skip the MP4 (rendering it takes a few seconds per 10 frames)')
    .addOption(pixelConventionOption())
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--json', 'print one JSON object with the results on stdout')
    .action(async (episodeDir: string, opts: TrackCommandOptions) => {
      const out = new Reporter(Boolean(opts.json));
      const rasterizer = chooseRasterizer(opts.backend, opts.threads);
      try {
        const episode = await readEpisode(episodeDir);
        const frames = Math.min(opts.frames ?? episode.manifest.frameCount, episode.manifest.frameCount);
        const planned = plannedTrackIterations(frames, episode.manifest.object?.kind, opts);
        const progress = new Progress('track', planned, { unit: 'iterations' });
        const result = await trackEpisode(episodeDir, {
          preset: opts.preset,
          itersFirst: opts.itersFirst,
          iters: opts.iters,
          maxGaussians: opts.points,
          frames,
          seed: opts.seed,
          occlusionAware: opts.occlusion === 'auto' ? undefined : opts.occlusion === 'on',
          depthWeight: opts.depthWeight,
          alignIters: opts.alignIters,
          velocityScale: opts.velocityScale,
          neighbourSpread: opts.neighbourSpread,
          minVisibleWeight: opts.minVisibleWeight,
          pixelConvention: opts.pixelConvention,
          rasterizer,
          onProgress: (p) => {
            progress.update(
              p.done,
              p.total,
              `frame ${p.frame + 1}/${p.frames}  loss ${p.loss.toFixed(4)}  ${p.gaussians} Gaussians`,
            );
          },
        });
        progress.finish();
        const dir = await writeTrackArtifacts(opts.out, result, episode, {
          rasterizer,
          framePlys: true,
          video: opts.video,
        });
        const perFrame = secondsPerLaterFrame(result);
        out.say(`${dir}: ${result.frames} frames x ${result.cloud.count} Gaussians (${result.preset.name})`);
        out.say(
          `frame 0: ${result.seconds[0].toFixed(1)} s; later frames: ${perFrame.toFixed(2)} s per frame`,
        );
        let evaluation: TrackEvaluation | undefined;
        if (episode.manifest.truth) {
          evaluation = await evaluateTracks(dir, episodeDir);
          printTrackMetrics(out, evaluation);
        }
        out.result({
          tracks: dir,
          frames: result.frames,
          gaussians: result.cloud.count,
          preset: result.preset.name,
          secondsFirstFrame: result.seconds[0],
          secondsPerFrame: perFrame,
          evaluation,
        });
      } finally {
        rasterizer.dispose?.();
      }
    });
}
