import { validateEpisode } from '@gsdyn/formats';
import type { Command } from 'commander';
import { Reporter } from '../output.js';
import { Progress } from '../progress.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'Check an episode directory against the episode format (docs/episode-format.md): manifest schema, rigid\n' +
        'camera matrices, every image present with the camera size, 16-bit depth, frame counts, ground truth shapes.\n' +
        'Reports every problem with its file and field. Exit code 0 when valid, 1 otherwise.',
    )
    .argument('<episode>', 'episode directory (contains episode.json)')
    .option('--json', 'print one JSON object {valid, problems[]} on stdout')
    .action(async (episode: string, opts: { json?: boolean }) => {
      const out = new Reporter(Boolean(opts.json));
      const progress = new Progress('validate', 1, { unit: 'files' });
      const problems = await validateEpisode(episode, {
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.finish();
      for (const p of problems) out.say(`${p.file}${p.field ? ` [${p.field}]` : ''}: ${p.message}`);
      out.say(problems.length === 0 ? `${episode}: valid` : `${episode}: ${problems.length} problem(s)`);
      out.result({ episode, valid: problems.length === 0, problems });
      process.exitCode = problems.length === 0 ? 0 : 1;
    });
}
