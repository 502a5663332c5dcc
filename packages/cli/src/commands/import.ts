import { type ImportReport, importDyn3dgs, importGsDynamics, importGsDynamicsDemo } from '@gsdyn/formats';
import type { Command } from 'commander';
import { numberIn, numberList } from '../options.js';
import { Reporter } from '../output.js';
import { Progress } from '../progress.js';

interface CommonImportOptions {
  out: string;
  overwrite?: boolean;
  json?: boolean;
}

export function registerImport(program: Command): void {
  const imp = program
    .command('import')
    .description(
      'Convert captures from other layouts into the gsdyn episode format (docs/episode-format.md).',
    );

  imp
    .command('gs-dynamics')
    .description(
      'A raw gs-dynamics robot episode: camera_i/{000000.jpg, 000000_depth.png, camera_params.npy,\n' +
        'camera_extrinsics.npy, seg/}, actions.txt. Converts the ChArUco board frame (z down) to ours (z up) and\n' +
        'computes the pusher point from the xArm flange pose.',
    )
    .argument('<episode_dir>', 'the episode directory (e.g. episodes_rope/episode_00)')
    .requiredOption('--out <dir>', 'output episode directory')
    .option(
      '--eef-offset <m>',
      'pusher point distance along the flange z axis, metres',
      numberIn(-1, 1),
      0.17,
    )
    .option(
      '--base-rotation <r>',
      'robot base to board rotation, 9 comma-separated numbers, row-major',
      numberList(9),
      [1, 0, 0, 0, -1, 0, 0, 0, -1],
    )
    .option(
      '--base-translation <t>',
      'robot base to board translation, 3 comma-separated numbers, metres',
      numberList(3),
      [-0.095, 0.085, -0.01],
    )
    .option('--fps <f>', 'capture frame rate', numberIn(0.001, 1000), 15)
    .option('--overwrite', 'replace the output directory if it exists')
    .option('--json', 'print one JSON object with the import report on stdout')
    .action(
      async (
        src: string,
        opts: CommonImportOptions & {
          eefOffset: number;
          baseRotation: number[];
          baseTranslation: number[];
          fps: number;
        },
      ) =>
        report(opts, 'import gs-dynamics', (onProgress) =>
          importGsDynamics(
            src,
            opts.out,
            {
              eefOffset: opts.eefOffset,
              baseRotation: opts.baseRotation,
              baseTranslation: opts.baseTranslation,
              fps: opts.fps,
              overwrite: opts.overwrite,
            },
            onProgress,
          ),
        ),
    );

  imp
    .command('gs-dynamics-demo')
    .description(
      'The gs-dynamics static demo layout: img_i.png, mask_i.png, R_list.npy (camera-to-world), t_list.npy,\n' +
        'intr_list.npy, pcd.ply. Writes a one-frame episode with masks and an initial point cloud, no depth.',
    )
    .argument('<dir>', 'the demo directory (assets/demo)')
    .requiredOption('--out <dir>', 'output episode directory')
    .option('--overwrite', 'replace the output directory if it exists')
    .option('--json', 'print one JSON object with the import report on stdout')
    .action(async (src: string, opts: CommonImportOptions) =>
      report(opts, 'import gs-dynamics-demo', (onProgress) =>
        importGsDynamicsDemo(src, opts.out, { overwrite: opts.overwrite }, onProgress),
      ),
    );

  imp
    .command('dyn3dgs')
    .description(
      'A Dynamic 3D Gaussians sequence: train_meta.json, ims/, seg/, init_pt_cld.npz. Cameras must be fixed over\n' +
        'time; the world frame is kept as it is (the Panoptic world is not z-up).',
    )
    .argument('<seq_dir>', 'the sequence directory (data/<seq>)')
    .requiredOption('--out <dir>', 'output episode directory')
    .option('--fps <f>', 'capture frame rate', numberIn(0.001, 1000), 30)
    .option('--foreground-only', 'keep only the init point cloud points marked as foreground (seg = 1)')
    .option('--overwrite', 'replace the output directory if it exists')
    .option('--json', 'print one JSON object with the import report on stdout')
    .action(async (src: string, opts: CommonImportOptions & { fps: number; foregroundOnly?: boolean }) =>
      report(opts, 'import dyn3dgs', (onProgress) =>
        importDyn3dgs(
          src,
          opts.out,
          { fps: opts.fps, foregroundOnly: opts.foregroundOnly, overwrite: opts.overwrite },
          onProgress,
        ),
      ),
    );
}

async function report(
  opts: CommonImportOptions,
  label: string,
  run: (onProgress: (done: number, total: number) => void) => Promise<ImportReport>,
): Promise<void> {
  const out = new Reporter(Boolean(opts.json));
  const progress = new Progress(label, 1, { unit: 'files' });
  const result = await run((done, total) => progress.update(done, total));
  progress.finish();
  for (const w of result.warnings) out.note(`warning: ${w}`);
  out.say(`${opts.out}: ${result.frames} frame(s) x ${result.cameras.length} camera(s)`);
  out.result({ out: opts.out, ...result });
}
