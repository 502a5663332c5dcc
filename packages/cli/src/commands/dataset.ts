import { basename, join } from 'node:path';
import {
  createDatasetWriter,
  type DatasetEpisodeSource,
  type DatasetSummary,
  DEFAULT_TRACK_POINTS,
  DYNAMICS_OBJECTS,
  type DynamicsObject,
  endEffectorPositions,
  loadTruthEpisode,
  MAX_DATASET_PARTICLES,
  preprocessTracks,
  simulateDatasetEpisode,
  type WindowPadding,
} from '@gsdyn/dynamics';
import { EPISODE_MANIFEST_FILE, readEpisodeManifest } from '@gsdyn/formats';
import { readTracks } from '@gsdyn/track';
import { type Command, Option } from 'commander';
import { intIn } from '../options.js';
import { Reporter, UsageError } from '../output.js';
import { Progress } from '../progress.js';
import { episodeDirName, episodeSeed } from './sim.js';

export interface DatasetCommandOptions {
  out: string;
  source: 'tracks' | 'truth';
  object?: DynamicsObject;
  sim?: DynamicsObject;
  episodes: number;
  frames: number;
  seed: number;
  points: number;
  padding: WindowPadding;
  overwrite?: boolean;
  json?: boolean;
}

/** One input read into a dataset episode, with the object kind its episode manifest names (if any). */
interface LoadedInput {
  source: DatasetEpisodeSource;
  objectKind?: string;
}

export function registerDataset(program: Command): void {
  program
    .command('dataset')
    .description(
      'Build a dynamics training dataset (particle tracks, end-effector path and training windows per episode)\n' +
        'from tracker output, from ground truth, or straight from the physics simulator:\n' +
        '\n' +
        'tracks   track directories from `gsdyn track`, with the reference preprocessing: keep Gaussians with\n' +
        '         opacity > 0.5 (logit > 0), drop motion outliers (MAD test on path length, threshold 3),\n' +
        '         farthest point sampling of --points on frame 0, 10 passes of a 3-frame box filter over time.\n' +
        '         The end effector comes from the tracked episode (tracks.json names it).\n' +
        'truth    episode directories with truth/surface_points.npy (`gsdyn sim` writes it): exact tracks,\n' +
        '         farthest point sampling to --points when there are more.\n' +
        '--sim    simulate --episodes episodes of an object (physics only, no rendering): the same surface points\n' +
        '         and end effector as `gsdyn sim <object> --seed S --surface-points P` would write as ground truth.\n' +
        '\n' +
        'Windows: one model step is 1 cm of end-effector travel. For every frame, the history frames are found by\n' +
        'walking back and the future frames by walking forward, accepting a frame once the end effector has moved\n' +
        '1 cm since the last accepted one (the final frame of the episode at 0.75 cm). Windows cut short by an end\n' +
        'of the episode repeat their last found frame (--padding repeat, the reference) or are left out (drop).\n' +
        'Split: episodes in sorted (natural) order, the first 80% train, the rest validation.\n' +
        '\n' +
        'Writes <out>/dataset.json and <out>/episodes/<name>/{particles,end_effector,windows}.npy atomically.',
    )
    .argument('[inputs...]', 'track directories (--source tracks) or episode directories (--source truth)')
    .requiredOption('--out <dir>', 'output dataset directory')
    .addOption(
      new Option('--source <kind>', 'what the inputs are').choices(['tracks', 'truth']).default('tracks'),
    )
    .addOption(
      new Option('--object <object>', "the object (default: from the episodes' manifests)").choices(
        DYNAMICS_OBJECTS,
      ),
    )
    .addOption(
      new Option('--sim <object>', 'simulate the episodes instead of reading inputs').choices(
        DYNAMICS_OBJECTS,
      ),
    )
    .option('--episodes <n>', 'simulated episodes (--sim)', intIn(1, 10_000), 40)
    .option('--frames <t>', 'frames per simulated episode, 15 fps (--sim)', intIn(2, 100_000), 60)
    .option('--seed <s>', 'seed of the simulated episodes (--sim)', intIn(0, 2 ** 31 - 1), 0)
    .option(
      '--points <n>',
      'particles per episode (farthest point sampling)',
      intIn(1, MAX_DATASET_PARTICLES),
      DEFAULT_TRACK_POINTS,
    )
    .addOption(
      new Option('--padding <mode>', 'windows cut short by an episode end')
        .choices(['repeat', 'drop'])
        .default('repeat'),
    )
    .option('--overwrite', 'replace an existing dataset directory')
    .option('--json', 'print one JSON object with the dataset summary on stdout')
    .action(async (inputs: string[], opts: DatasetCommandOptions) => {
      const out = new Reporter(Boolean(opts.json));
      const started = performance.now();
      const summary = await runDataset(inputs, opts, out);
      const seconds = (performance.now() - started) / 1000;
      const { manifest } = summary;
      for (const e of manifest.episodes)
        out.say(
          `${e.name}: ${e.split}, ${e.frames} frames, ${e.particles} particles, ${e.windows} windows` +
            (e.paddedWindows > 0
              ? ` (${e.paddedWindows} ${manifest.windows.padding === 'drop' ? 'dropped' : 'padded'})`
              : ''),
        );
      const train = manifest.episodes.filter((e) => e.split === 'train').length;
      out.say(
        `${summary.dir}: ${manifest.object} dataset from ${manifest.source}, ${manifest.episodes.length} episodes ` +
          `(${train} train, ${manifest.episodes.length - train} validation), ${summary.trainWindows} train and ` +
          `${summary.validationWindows} validation windows, ${seconds.toFixed(1)} s`,
      );
      out.result({
        dataset: summary.dir,
        object: manifest.object,
        source: manifest.source,
        windows: manifest.windows,
        episodes: manifest.episodes,
        trainWindows: summary.trainWindows,
        validationWindows: summary.validationWindows,
        seconds,
      });
    });
}

export async function runDataset(
  inputs: string[],
  opts: DatasetCommandOptions,
  out: Reporter,
): Promise<DatasetSummary> {
  if (opts.sim !== undefined) {
    if (inputs.length > 0)
      throw new UsageError(`--sim generates its episodes: give no inputs (got ${inputs.join(' ')})`);
    if (opts.object !== undefined && opts.object !== opts.sim)
      throw new UsageError(`--object ${opts.object} contradicts --sim ${opts.sim}`);
    return simulateDataset(opts.sim, opts);
  }
  if (inputs.length === 0)
    throw new UsageError('give track directories (or episodes with --source truth), or --sim <object>');
  const names = inputs.map((dir) => basename(dir.replace(/\/+$/, '')));
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined)
    throw new UsageError(`two inputs are named ${duplicate}: episodes are named after their directories`);

  // Every input is read (and checked) before anything is written; the object kind must be known first.
  const progress = new Progress(`dataset ${opts.source}`, 2 * inputs.length, { unit: 'steps' });
  const loaded: LoadedInput[] = [];
  for (const [i, dir] of inputs.entries()) {
    loaded.push(
      opts.source === 'truth'
        ? await loadTruthEpisode(dir, { maxPoints: opts.points })
        : await loadTrackInput(dir, opts.points),
    );
    progress.update(i + 1, 2 * inputs.length, names[i]);
  }
  const object = chooseObject(opts.object, loaded, out);
  const writer = await createDatasetWriter(opts.out, {
    object,
    source: opts.source,
    padding: opts.padding,
    overwrite: opts.overwrite,
    preprocessing:
      opts.source === 'tracks'
        ? {
            opacity: 'logit > 0 (opacity > 0.5)',
            outlierThreshold: 3,
            points: opts.points,
            smoothingPasses: 10,
          }
        : { points: opts.points, sampling: 'farthest point sampling on frame 0 from point 0 when more' },
  });
  try {
    for (const [i, { source }] of loaded.entries()) {
      await writer.add(source);
      progress.update(inputs.length + i + 1, 2 * inputs.length, source.name);
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const summary = await writer.commit();
  progress.finish();
  return summary;
}

export async function simulateDataset(
  kind: DynamicsObject,
  opts: DatasetCommandOptions,
): Promise<DatasetSummary> {
  const total = opts.episodes * opts.frames;
  const progress = new Progress(`dataset sim ${kind}`, total, { unit: 'frames' });
  const writer = await createDatasetWriter(opts.out, {
    object: kind,
    source: 'sim',
    padding: opts.padding,
    overwrite: opts.overwrite,
    preprocessing: { surfacePoints: opts.points, framesPerSecond: 15, seed: opts.seed },
  });
  try {
    for (let i = 0; i < opts.episodes; i++) {
      const name = episodeDirName(i);
      const source = simulateDatasetEpisode(kind, {
        name,
        frames: opts.frames,
        seed: episodeSeed(opts.seed, i),
        surfacePoints: opts.points,
        onProgress: (frame) => progress.update(i * opts.frames + frame, total, name),
      });
      await writer.add(source);
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const summary = await writer.commit();
  progress.finish();
  return summary;
}

/** A track directory: its Gaussians through the reference preprocessing, the end effector from its episode. */
async function loadTrackInput(dir: string, points: number): Promise<LoadedInput> {
  const tracks = await readTracks(dir);
  const episodeDir = tracks.manifest.episode;
  let manifest: Awaited<ReturnType<typeof readEpisodeManifest>>;
  try {
    manifest = await readEpisodeManifest(episodeDir);
  } catch (error) {
    throw new Error(
      `${join(tracks.dir, 'tracks.json')}: episode: cannot read the tracked episode ${episodeDir} for its end effector (${(error as Error).message})`,
    );
  }
  const T = tracks.manifest.frames;
  const N = tracks.manifest.gaussians;
  const pre = preprocessTracks(tracks.means, T, N, tracks.cloud.logitOpacities, { points });
  return {
    source: {
      name: basename(tracks.dir),
      frames: T,
      particleCount: pre.count,
      particles: pre.particles,
      endEffector: endEffectorPositions(manifest, join(episodeDir, EPISODE_MANIFEST_FILE), T),
      origin: { source: 'tracks', tracks: tracks.dir, episode: episodeDir, gaussians: pre.kept },
    },
    ...(manifest.object === undefined ? {} : { objectKind: manifest.object.kind }),
  };
}

function chooseObject(
  given: DynamicsObject | undefined,
  loaded: LoadedInput[],
  out: Reporter,
): DynamicsObject {
  const kinds = [...new Set(loaded.map((l) => l.objectKind ?? 'unknown'))];
  if (given !== undefined) {
    const others = kinds.filter((k) => k !== given);
    if (others.length > 0) out.note(`dataset: --object ${given}, but the episodes say ${kinds.join(', ')}`);
    return given;
  }
  const [only] = kinds;
  if (kinds.length === 1 && (DYNAMICS_OBJECTS as readonly string[]).includes(only))
    return only as DynamicsObject;
  throw new UsageError(
    `cannot tell the object from the episodes (their object.kind: ${kinds.join(', ')}); pass --object ${DYNAMICS_OBJECTS.join('|')}`,
  );
}
