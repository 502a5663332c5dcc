import { join } from 'node:path';
import { generateEpisode, OBJECT_KINDS, type ObjectKind, type SimEpisodeSummary } from '@gsdyn/sim';
import { Argument, type Command } from 'commander';
import { intIn, numberIn } from '../options.js';
import { Reporter } from '../output.js';
import { Progress } from '../progress.js';

export interface SimCommandOptions {
  out: string;
  episodes: number;
  frames: number;
  width: number;
  height: number;
  views: number;
  seed: number;
  surfacePoints: number;
  supersample: number;
  depthNoise: number;
  overwrite?: boolean;
  json?: boolean;
}

/** Seed of episode `index` of a run with `seed`: mixed so that runs with neighbouring seeds share no episodes. */
export function episodeSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x27d4eb2f);
  return (h ^ (h >>> 13)) >>> 0;
}

export function episodeDirName(index: number): string {
  return `episode_${index.toString().padStart(3, '0')}`;
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description(
      'Synthetic capture rig: simulate a soft object (XPBD) pushed by a robot end-effector and render 4-view RGB-D\n' +
        'with masks and exact ground truth (surface point tracks with visibility, particle states). Writes N episodes\n' +
        'as <out>/episode_000, episode_001, ... each with a contact_sheet.png to look at.',
    )
    .addArgument(new Argument('<object>', 'object to simulate').choices(OBJECT_KINDS))
    .requiredOption('--out <dir>', 'output directory (episodes are written inside it)')
    .option('--episodes <n>', 'number of episodes', intIn(1, 10_000), 1)
    .option('--frames <t>', 'frames per episode (15 fps)', intIn(1, 100_000), 60)
    .option('--width <w>', 'image width in pixels', intIn(16, 4096), 320)
    .option('--height <h>', 'image height in pixels', intIn(16, 4096), 240)
    .option('--views <n>', 'number of cameras', intIn(1, 8), 4)
    .option(
      '--seed <s>',
      'random seed (same arguments and seed give identical files)',
      intIn(0, 2 ** 31 - 1),
      0,
    )
    .option('--surface-points <k>', 'ground-truth surface points per episode', intIn(1, 1_000_000), 512)
    .option('--supersample <s>', 'colour antialiasing: s x s samples per pixel', intIn(1, 4), 3)
    .option(
      '--depth-noise <sigma>',
      'depth noise std-dev at 1 m in metres (grows with depth squared); 0 disables',
      numberIn(0, 0.1),
      0.002,
    )
    .option('--overwrite', 'replace episodes that already exist')
    .option('--json', 'print one JSON object with the episodes written on stdout')
    .action(async (object: ObjectKind, opts: SimCommandOptions) => {
      const out = new Reporter(Boolean(opts.json));
      const summaries = await runSim(object, opts);
      for (const s of summaries)
        out.say(
          `${s.dir}: ${s.frames} frames x ${s.cameras} cameras, ${s.particles} particles, ${s.pushes} push(es), ` +
            `${(100 * s.meanVisibility).toFixed(0)}% of truth points visible, ${s.seconds.total.toFixed(1)} s ` +
            `(physics ${s.seconds.physics.toFixed(1)} s)`,
        );
      out.result({ object, episodes: summaries });
    });
}

export async function runSim(object: ObjectKind, opts: SimCommandOptions): Promise<SimEpisodeSummary[]> {
  const summaries: SimEpisodeSummary[] = [];
  for (let i = 0; i < opts.episodes; i++) {
    const label = `sim ${object} ${i + 1}/${opts.episodes}`;
    const progress = new Progress(label, 2 * opts.frames, { unit: 'frame steps' });
    const summary = await generateEpisode(
      join(opts.out, episodeDirName(i)),
      {
        kind: object,
        frames: opts.frames,
        width: opts.width,
        height: opts.height,
        views: opts.views,
        seed: episodeSeed(opts.seed, i),
        surfacePoints: opts.surfacePoints,
        supersample: opts.supersample,
        depthNoise: { enabled: opts.depthNoise > 0, sigmaAt1m: opts.depthNoise },
        overwrite: opts.overwrite,
      },
      (stage, done, total) => progress.update(stage === 'physics' ? done : total + done, 2 * total, stage),
    );
    progress.finish();
    summaries.push(summary);
  }
  return summaries;
}
