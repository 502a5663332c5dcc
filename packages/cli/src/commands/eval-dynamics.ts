import {
  createOnnxRunner,
  type DynamicsEvaluation,
  EVALUATE_DEFAULTS,
  evaluateDynamics,
  loadModel,
  readDataset,
  readModelOnnx,
} from '@gsdyn/dynamics';
import type { Command } from 'commander';
import { intIn, numberIn } from '../options.js';
import { Reporter } from '../output.js';
import { Progress } from '../progress.js';

interface EvalDynamicsOptions {
  model: string;
  dataset: string;
  windows: number;
  baselineWindows: number;
  baselineEvals: number;
  toolRadius: number;
  seed: number;
  workers?: number;
  json?: boolean;
}

export function registerEvalDynamics(program: Command): void {
  program
    .command('eval-dynamics')
    .description(
      "Score a trained dynamics model (`gsdyn train`) on a dataset's validation episodes against the physics\n" +
        'baseline (a particle simulator whose uniform stiffness, shape stiffness, friction, damping and contact\n' +
        "radius are fitted here by CMA-ES on training windows: the paper's MPM/FleX comparison) and against\n" +
        '"nothing moves":\n' +
        '\n' +
        'step 1, step H  mean particle error after 1 and after H (the training horizon) steps of a push window,\n' +
        '                rolled out from its true history along the true end-effector path (1 step = 1 cm).\n' +
        'episode         the same at the end of a whole validation episode rolled out from its first window.\n' +
        "CD, EMD         Chamfer distance (mean nearest-neighbour distance both ways) and exact Earth Mover's\n" +
        '                distance (optimal one-to-one assignment) between predicted and true particles at the\n' +
        '                end of every push window and episode.\n' +
        'moving          the push columns again over the pushes that move the object (a particle ends > 1 cm\n' +
        '                from its start): where the tool touches it and dynamics matter.\n' +
        'All in millimetres; the model runs in onnxruntime (model.onnx).',
    )
    .requiredOption('--model <dir>', 'model directory (model.json, weights.npz, model.onnx)')
    .requiredOption('--dataset <dir>', 'dataset directory (dataset.json)')
    .option(
      '--windows <n>',
      'validation windows scored at most',
      intIn(1, 1_000_000),
      EVALUATE_DEFAULTS.maxWindows,
    )
    .option(
      '--baseline-windows <n>',
      'training windows the baseline is fitted on',
      intIn(1, 100_000),
      EVALUATE_DEFAULTS.baselineFitWindows,
    )
    .option(
      '--baseline-evals <n>',
      'CMA-ES budget of the baseline fit (rollouts of the window set)',
      intIn(1, 1_000_000),
      EVALUATE_DEFAULTS.baselineEvaluations,
    )
    .option(
      '--tool-radius <m>',
      "radius of the pushing cylinder for the baseline, metres (the simulator's)",
      numberIn(1e-4, 1),
      EVALUATE_DEFAULTS.toolRadius,
    )
    .option(
      '--seed <s>',
      'seed of the particle sampling and the baseline fit',
      intIn(0, 2 ** 31 - 1),
      EVALUATE_DEFAULTS.seed,
    )
    .option('--workers <n>', 'onnxruntime worker threads (default: every core)', intIn(1, 256))
    .option('--json', 'print one JSON object with the evaluation on stdout')
    .action(async (opts: EvalDynamicsOptions) => {
      const out = new Reporter(Boolean(opts.json));
      const evaluation = await runEvalDynamics(opts);
      for (const line of dynamicsTable(evaluation)) out.say(line);
      out.result({ ...evaluation, modelDir: opts.model, datasetDir: opts.dataset });
    });
}

export async function runEvalDynamics(opts: EvalDynamicsOptions): Promise<DynamicsEvaluation> {
  const model = await loadModel(opts.model);
  const dataset = await readDataset(opts.dataset);
  const runner = await createOnnxRunner(await readModelOnnx(opts.model), { workers: opts.workers });
  const bars = new Map<string, Progress>();
  try {
    return await evaluateDynamics(model, dataset, {
      seed: opts.seed,
      maxWindows: opts.windows,
      baselineFitWindows: opts.baselineWindows,
      baselineEvaluations: opts.baselineEvals,
      toolRadius: opts.toolRadius,
      runner,
      onProgress: (stage, done, total) => {
        let bar = bars.get(stage);
        if (!bar) {
          bar = new Progress(stage === 'baseline' ? 'fit baseline (CMA-ES)' : stage, total);
          bars.set(stage, bar);
        }
        if (done >= total) bar.finish();
        else bar.update(done, total);
      },
    });
  } finally {
    await runner.dispose();
  }
}

/** The comparison as a fixed-width table (millimetres), one row per method. */
export function dynamicsTable(e: DynamicsEvaluation): string[] {
  const header = [
    '',
    'step 1',
    `step ${e.horizon}`,
    'episode',
    'CD',
    'EMD',
    `moving: step ${e.horizon}`,
    'CD',
    'EMD',
  ];
  const rows = (
    [
      ['model', e.model],
      ['baseline', e.baseline],
      ['still', e.still],
    ] as const
  ).map(([name, m]) => [
    name,
    ...[
      m.errorStep1Mm,
      m.errorHorizonMm,
      m.errorEpisodeMm,
      m.chamferMm,
      m.emdMm,
      m.moving.errorHorizonMm,
      m.moving.chamferMm,
      m.moving.emdMm,
    ].map((v) => v.toFixed(2)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    `${e.object} dynamics, mm: ${e.windows} validation pushes of ${e.horizon} steps, ${e.episodes} episodes ` +
      `(${e.meanEpisodeSteps.toFixed(0)} steps on average); moving: the ${e.movingWindows} pushes that move the object > 1 cm`,
    line(header),
    ...rows.map(line),
    `baseline ${e.baselineFit ? `fitted on ${e.baselineFit.windows} windows (${e.baselineFit.evaluations} CMA-ES evaluations, ${e.baselineFit.seconds.toFixed(1)} s)` : 'given'}: ` +
      Object.entries(e.baselineParams)
        .map(([k, v]) => `${k} ${Number(v).toPrecision(3)}`)
        .join(', '),
  ];
}
