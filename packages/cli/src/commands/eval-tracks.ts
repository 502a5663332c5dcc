import { evaluateTracks, type TrackEvaluation, type TrackMetrics } from '@gsdyn/track';
import type { Command } from 'commander';
import { intIn } from '../options.js';
import { Reporter } from '../output.js';

interface EvalTracksOptions {
  episode: string;
  k: number;
  json?: boolean;
}

export function registerEvalTracks(program: Command): void {
  program
    .command('eval-tracks')
    .description(
      'Score a track directory (from `gsdyn track`) against the ground-truth surface\n' +
        'points of its episode (truth/surface_points.npy; `gsdyn sim` writes them),\n' +
        "with the paper's metrics (Sec. 4.2):\n" +
        '\n' +
        'association  each truth point is tied at frame 0 to its k nearest Gaussians\n' +
        '             with fixed weights 1/max(d, 0.1 mm), normalised, and its offset\n' +
        "             in each one's local frame (Dyn3DGS point tracks); at frame t it\n" +
        '             is predicted at the blend of mu_j(t) + R_j(t) offset_j.\n' +
        '3D error     || predicted - true ||, millimetres, per point and frame.\n' +
        '2D error     both projected into every camera where the truth point is\n' +
        '             visible (truth/surface_visibility.npy); the pixel distance is\n' +
        "             converted to mm at the truth point's depth z: e_px * z / f,\n" +
        '             f = (fx + fy) / 2.\n' +
        'track        a truth point (2D: a truth point seen from one camera, over\n' +
        '             the frames where it is visible).\n' +
        'MTE          median trajectory error: per track the median of its errors\n' +
        '             over frames, averaged over tracks (Dyn3DGS / TAP-Vid).\n' +
        '<N mm        percent of point-frame pairs (2D: point-frame-camera triples)\n' +
        '             with error < N mm, for N = 2, 4, 8, 16.\n' +
        'delta_avg    the mean of those four percentages.\n' +
        'survival     per track the fraction of its frames before its error first\n' +
        '             exceeds 0.5 m, averaged over tracks, percent.\n' +
        '3D moving    the 3D row over the points whose true position gets more\n' +
        '             than 1 cm from where it started (a push moves part of the\n' +
        '             object; the median over all points mostly sees the rest).',
    )
    .argument('<track_dir>', 'track directory (contains tracks.json and means.npy)')
    .requiredOption('--episode <dir>', 'the tracked episode, with ground truth')
    .option('--k <n>', 'Gaussians blended per truth point (1 = the nearest Gaussian)', intIn(1, 64), 3)
    .option('--json', 'print one JSON object with the evaluation on stdout')
    .action(async (trackDir: string, opts: EvalTracksOptions) => {
      const out = new Reporter(Boolean(opts.json));
      const evaluation = await evaluateTracks(trackDir, opts.episode, { k: opts.k });
      out.say(`${trackDir}:`);
      printTrackMetrics(out, evaluation);
      out.result({ tracks: trackDir, episode: opts.episode, ...evaluation });
    });
}

/**
 * The human summary of an evaluation: what was compared, then the 3D and 2D metrics table (also used by
 * `gsdyn track` when the episode has ground truth).
 */
export function printTrackMetrics(out: Reporter, evaluation: TrackEvaluation): void {
  out.say(
    `tracking metrics: ${evaluation.association.points} truth points, ${evaluation.frames} frames, ` +
      `k = ${evaluation.association.k} Gaussians per point`,
  );
  if (!evaluation.metrics2d)
    out.note('tracking metrics: the episode has no truth/surface_visibility.npy, so no 2D metrics');
  for (const line of metricsTable(evaluationRows(evaluation))) out.say(line);
}

/** The rows of an evaluation's table: 3D, 2D when there is visibility, and 3D over the moving points. */
export function evaluationRows(evaluation: TrackEvaluation): [string, TrackMetrics][] {
  const rows: [string, TrackMetrics][] = [['3D', evaluation.metrics3d]];
  if (evaluation.metrics2d) rows.push(['2D', evaluation.metrics2d]);
  if (evaluation.moving) rows.push([`3D moving (${evaluation.moving.points})`, evaluation.moving.metrics3d]);
  return rows;
}

/** The metrics as a fixed-width table, one row per kind (3D, 2D). */
export function metricsTable(rows: [string, TrackMetrics][]): string[] {
  const thresholds = rows[0]?.[1].thresholdsMm ?? [];
  const header = ['', 'MTE mm', 'delta_avg', ...thresholds.map((t) => `<${t}mm`), 'survival', 'observations'];
  const f = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
  const body = rows.map(([name, m]) => [
    name,
    f(m.medianTrajectoryErrorMm, 2),
    f(m.deltaAvg, 2),
    ...m.withinThreshold.map((w) => f(w, 2)),
    f(m.survival, 2),
    String(m.observations),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...body.map(line)];
}
