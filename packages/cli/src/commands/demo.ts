import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeColorPng, readEpisode, validateEpisode } from '@gsdyn/formats';
import { generateEpisode, SIM_WORKSPACE } from '@gsdyn/sim';
import { createWasmTileRasterizer, wasmAvailable } from '@gsdyn/splat';
import {
  evaluateTracks,
  plannedTrackIterations,
  secondsPerLaterFrame,
  trackEpisode,
  writeTrackArtifacts,
} from '@gsdyn/track';
import type { Command } from 'commander';
import { intIn } from '../options.js';
import { Reporter } from '../output.js';
import { Progress } from '../progress.js';
import { escapeHtml, keyValueTable, type ReportSection, renderReport } from '../report/html.js';
import { plotTopDown } from '../report/trajectory-plot.js';
import { demoDynamics } from './demo-dynamics.js';
import { evaluationRows, metricsTable } from './eval-tracks.js';

export interface DemoOptions {
  out: string;
  frames: number;
  seed: number;
  track: boolean;
  trackItersFirst: number;
  trackIters: number;
  dynamics: boolean;
  dynamicsEpisodes: number;
  dynamicsEpochs: number;
  json?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'The main job on its embedded default, end to end on this machine: simulate a 4-view RGB-D capture of a rope\n' +
        "pushed by a robot, validate it, track it with dynamic Gaussians, learn the rope's dynamics from simulated\n" +
        'pushes and compare the model with a fitted physics baseline, and write an HTML report (<out>/report.html)\n' +
        'with the contact sheet, the push, the tracking metrics and video, the dynamics table and the loss curves.\n' +
        'Rendering and planning join the demo as they land.',
    )
    .option('--out <dir>', 'output directory', 'demo')
    .option('--frames <t>', 'frames to simulate (15 fps)', intIn(2, 10_000), 45)
    .option('--seed <s>', 'random seed', intIn(0, 2 ** 31 - 1), 0)
    .option('--no-track', 'skip tracking (only simulate and validate)')
    .option(
      '--track-iters-first <n>',
      'tracking iterations at frame 0 (gsdyn track uses 3000)',
      intIn(1, 1_000_000),
      600,
    )
    .option(
      '--track-iters <n>',
      'tracking iterations per later frame (gsdyn track uses 150)',
      intIn(1, 1_000_000),
      40,
    )
    .option('--no-dynamics', 'skip the dynamics model (dataset, training, evaluation)')
    .option('--dynamics-episodes <n>', 'simulated rope episodes to learn from', intIn(2, 10_000), 40)
    .option('--dynamics-epochs <n>', 'training epochs (100 steps each)', intIn(1, 100_000), 30)
    .option('--json', 'print one JSON object with the results on stdout')
    .action(async (opts: DemoOptions) => {
      const out = new Reporter(Boolean(opts.json));
      const result = await runDemo(opts, out);
      out.say(
        `capture: ${result.capture} (${result.frames} frames x ${result.cameras} cameras, ${result.simSeconds.toFixed(1)} s)`,
      );
      out.say(`validation: ${result.valid ? 'valid' : `${result.problems.length} problem(s)`}`);
      if (result.tracking)
        out.say(
          `tracking: 3D median trajectory error ${result.tracking.metrics3d.medianTrajectoryErrorMm.toFixed(2)} mm, ` +
            `delta_avg ${result.tracking.metrics3d.deltaAvg.toFixed(1)}, survival ${result.tracking.metrics3d.survival.toFixed(0)}%`,
        );
      if (result.dynamics)
        out.say(
          `dynamics: Chamfer ${result.dynamics.model.chamferMm.toFixed(2)} mm (baseline ${result.dynamics.baseline.chamferMm.toFixed(2)}), ` +
            `EMD ${result.dynamics.model.emdMm.toFixed(2)} mm (baseline ${result.dynamics.baseline.emdMm.toFixed(2)}), ` +
            `${result.dynamics.horizon}-step error ${result.dynamics.model.errorHorizonMm.toFixed(2)} mm`,
        );
      out.say(`report: ${result.report}`);
      out.result(result);
      if (!result.valid) process.exitCode = 1;
    });
}

export async function runDemo(opts: DemoOptions, out: Reporter = new Reporter(true)) {
  await mkdir(opts.out, { recursive: true });
  const capture = join(opts.out, 'capture');
  const progress = new Progress('demo: simulate rope', 2 * opts.frames, { unit: 'frame steps' });
  const sim = await generateEpisode(
    capture,
    {
      kind: 'rope',
      frames: opts.frames,
      width: 320,
      height: 240,
      views: 4,
      seed: opts.seed,
      overwrite: true,
    },
    (stage, done, total) => progress.update(stage === 'physics' ? done : total + done, 2 * total, stage),
  );
  progress.finish();

  const problems = await validateEpisode(capture);
  const episode = await readEpisode(capture);
  const truth = await episode.readTruth();
  const particles = truth?.particles;
  if (!particles) throw new Error(`${capture}: the simulator wrote no particle ground truth`);
  const P = particles.count;
  const first = particles.data.subarray(0, P * 3);
  const last = particles.data.subarray(
    (episode.manifest.frameCount - 1) * P * 3,
    episode.manifest.frameCount * P * 3,
  );
  let maxMove = 0;
  for (let i = 0; i < P; i++)
    maxMove = Math.max(
      maxMove,
      Math.hypot(
        last[3 * i] - first[3 * i],
        last[3 * i + 1] - first[3 * i + 1],
        last[3 * i + 2] - first[3 * i + 2],
      ),
    );
  const plot = plotTopDown({
    first,
    last,
    endEffector: episode.manifest.endEffector?.positions ?? [],
    bounds: SIM_WORKSPACE,
  });
  await writeFile(join(opts.out, 'trajectory.png'), await encodeColorPng(plot));

  const report = join(opts.out, 'report.html');
  const sections: ReportSection[] = [
    {
      title: 'Synthetic capture',
      html: keyValueTable([
        ['object', sim.kind],
        ['frames', `${sim.frames} at ${episode.manifest.fps} fps`],
        ['cameras', `${sim.cameras} x ${episode.cameras[0].width}x${episode.cameras[0].height}`],
        ['particles', sim.particles],
        ['ground-truth surface points', sim.surfacePoints],
        ['pushes', sim.pushes],
        ['truth points visible (mean per view)', `${(100 * sim.meanVisibility).toFixed(1)}%`],
        ['largest particle displacement', `${(1000 * maxMove).toFixed(1)} mm`],
        [
          'simulation + rendering time',
          `${sim.seconds.total.toFixed(1)} s (physics ${sim.seconds.physics.toFixed(1)} s)`,
        ],
      ]),
    },
    {
      title: 'Validation',
      html:
        problems.length === 0
          ? '<p class="ok">The capture is a valid episode (gsdyn validate).</p>'
          : `<ul class="bad">${problems.map((p) => `<li>${escapeHtml(`${p.file}${p.field ? ` [${p.field}]` : ''}: ${p.message}`)}</li>`).join('')}</ul>`,
    },
    {
      title: 'Contact sheet (rows: frames; columns: cameras)',
      html: '<img src="capture/contact_sheet.png" alt="rendered views of the capture">',
    },
    {
      title: 'Top-down: particles at the first (blue) and last (red) frame, pusher path (black), 1 cm grid',
      html: '<img src="trajectory.png" alt="top-down plot">',
    },
  ];
  const tracking = opts.track ? await trackCapture(opts, capture) : undefined;
  if (tracking) sections.push(...tracking.sections);
  const dynamics = opts.dynamics ? await demoDynamics(opts, out) : undefined;
  if (dynamics) sections.push(...dynamics.sections);
  await writeFile(report, renderReport('gsdyn demo', sections));
  return {
    capture,
    report,
    frames: sim.frames,
    cameras: sim.cameras,
    simSeconds: sim.seconds.total,
    maxParticleDisplacementMm: 1000 * maxMove,
    valid: problems.length === 0,
    problems,
    tracking: tracking?.evaluation,
    dynamics: dynamics?.evaluation,
  };
}

/** Tracks the capture (gs-dynamics preset) and returns the report sections: metric table, contact sheet, video. */
async function trackCapture(opts: DemoOptions, capture: string) {
  const rasterizer = wasmAvailable() ? createWasmTileRasterizer() : undefined;
  try {
    const episode = await readEpisode(capture);
    const frames = episode.manifest.frameCount;
    const planned = plannedTrackIterations(frames, episode.manifest.object?.kind, {
      itersFirst: opts.trackItersFirst,
      iters: opts.trackIters,
    });
    const progress = new Progress('demo: track', planned, { unit: 'iterations' });
    const result = await trackEpisode(capture, {
      itersFirst: opts.trackItersFirst,
      iters: opts.trackIters,
      seed: opts.seed,
      rasterizer,
      onProgress: (p) => progress.update(p.done, p.total, `frame ${p.frame + 1}/${p.frames}`),
    });
    progress.finish();
    const dir = await writeTrackArtifacts(join(opts.out, 'tracks'), result, episode, {
      rasterizer,
      paramsNpz: false,
      video: true,
      sheetFrames: [0, Math.floor(frames / 2), frames - 1],
    });
    const evaluation = await evaluateTracks(dir, capture);
    const perFrame = secondsPerLaterFrame(result);
    const rows = metricsTable(evaluationRows(evaluation));
    const sections: ReportSection[] = [
      {
        title: 'Tracking (gs-dynamics preset) against the ground truth',
        html:
          `<p>${result.cloud.count} Gaussians; frame 0 in ${result.seconds[0].toFixed(1)} s (${opts.trackItersFirst} iterations), ` +
          `${perFrame.toFixed(2)} s per later frame (${opts.trackIters} iterations). Errors in millimetres; each truth point ` +
          `is carried in the local frames of its ${evaluation.association.k} nearest Gaussians at frame 0 (fixed inverse-distance weights).</p>` +
          `<pre>${escapeHtml(rows.join('\n'))}</pre>`,
      },
      {
        title: 'Tracked Gaussians coloured by their frame-0 position (left) beside the capture (right)',
        html: '<video src="tracks/tracks.mp4" controls loop muted autoplay></video>',
      },
      {
        title: 'Tracking contact sheet: render and capture',
        html: '<img src="tracks/contact_sheet.png" alt="tracking contact sheet">',
      },
    ];
    return { evaluation, sections };
  } finally {
    rasterizer?.dispose?.();
  }
}
