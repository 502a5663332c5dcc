import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './cli-helpers.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gsdyn-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('every command has --help that explains it', () => {
  const top = runCli(['--help']);
  assert.equal(top.code, 0);
  for (const name of ['demo', 'sim', 'validate', 'import', 'fit', 'render'])
    assert.match(top.stdout, new RegExp(`\\b${name}\\b`));
  for (const args of [
    ['sim'],
    ['validate'],
    ['demo'],
    ['import'],
    ['import', 'gs-dynamics'],
    ['import', 'gs-dynamics-demo'],
    ['import', 'dyn3dgs'],
  ]) {
    const r = runCli([...args, '--help']);
    assert.equal(r.code, 0, `${args.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /Usage: gsdyn/);
  }
});

test('bad arguments fail with a usage message and exit code 2', () => {
  const r = runCli(['sim', 'banana', '--out', join(dir, 'x')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /banana/);
  const frames = runCli(['sim', 'rope', '--out', join(dir, 'x'), '--frames', '-3']);
  assert.equal(frames.code, 2);
  assert.match(frames.stderr, /frames/);
});

test('sim --json writes an episode that validate --json accepts; a broken one is rejected with exit 1', async () => {
  const out = join(dir, 'sim');
  const sim = runCli([
    'sim',
    'rope',
    '--out',
    out,
    '--frames',
    '3',
    '--width',
    '64',
    '--height',
    '48',
    '--surface-points',
    '32',
    '--json',
  ]);
  assert.equal(sim.code, 0, sim.stderr);
  const result = JSON.parse(sim.stdout);
  assert.equal(result.episodes.length, 1);
  const episode = result.episodes[0].dir as string;
  assert.equal(episode, join(out, 'episode_000'));

  const ok = runCli(['validate', episode, '--json']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout), { episode, valid: true, problems: [] });

  const manifestPath = join(episode, 'episode.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  manifest.frameCount = 4;
  await writeFile(manifestPath, JSON.stringify(manifest));
  const bad = runCli(['validate', episode, '--json']);
  assert.equal(bad.code, 1);
  const report = JSON.parse(bad.stdout);
  assert.equal(report.valid, false);
  assert.ok(
    report.problems.some((p: { file: string }) => p.file.includes('000003')),
    bad.stdout,
  );
});

test('errors on missing input name the path and exit 1', () => {
  const r = runCli(['validate', join(dir, 'does-not-exist'), '--json']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /does-not-exist/);
});

test('fit writes a cloud and render scores it against the episode, both with --json', async () => {
  const { existsSync } = await import('node:fs');
  const sim = runCli([
    'sim',
    'plush',
    '--out',
    join(dir, 'fit'),
    '--frames',
    '1',
    '--width',
    '64',
    '--height',
    '48',
    '--json',
  ]);
  assert.equal(sim.code, 0, sim.stderr);
  const episode = JSON.parse(sim.stdout).episodes[0].dir as string;
  const cloud = join(dir, 'fit', 'plush.ply');
  const fit = runCli(['fit', episode, '--out', cloud, '--iters', '30', '--points', '300', '--json']);
  assert.equal(fit.code, 0, fit.stderr);
  const fitted = JSON.parse(fit.stdout);
  assert.equal(fitted.initialSource, 'masked depth');
  assert.equal(fitted.cameras.length, 4);
  assert.ok(fitted.mean.maskPsnr > 10, `mask PSNR ${fitted.mean.maskPsnr}`);
  assert.ok(existsSync(cloud));

  const render = runCli([
    'render',
    cloud,
    '--episode',
    episode,
    '--out',
    join(dir, 'fit', 'render'),
    '--json',
  ]);
  assert.equal(render.code, 0, render.stderr);
  const rendered = JSON.parse(render.stdout);
  assert.equal(rendered.gaussians, fitted.gaussians);
  // The same cloud, cameras and rasteriser: render reproduces the scores fit reported.
  assert.ok(Math.abs(rendered.mean.maskPsnr - fitted.mean.maskPsnr) < 1e-9);
  for (const file of [...rendered.images, rendered.compare]) assert.ok(existsSync(file), file);

  const badOut = runCli(['fit', episode, '--out', join(dir, 'fit', 'cloud.txt')]);
  assert.equal(badOut.code, 1);
  assert.match(badOut.stderr, /\.ply or \.splat/);
});
