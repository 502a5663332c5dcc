// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Dockerfile variable syntax, not JS templates.
// The image recipe (deploy/docker/service.Dockerfile) and the build context (.dockerignore), read statically:
// nothing here can run docker, so these tests hold the recipe to its promises and to what compose and
// Kubernetes expect of it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isIgnored, lineage, parseDockerfile, resolveBase } from './support/dockerfile.js';
import { REPO_ROOT } from './support/yaml-documents.js';

const DOCKERFILE = join(REPO_ROOT, 'deploy/docker/service.Dockerfile');
const file = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
const dockerignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8');
const TARGETS = ['runtime', 'gpu'];

/** A keyword's instructions in the stage and its ancestors, the one in force first (later wins, stages inherit). */
const instructionsOf = (stage: string, keyword: string) =>
  lineage(file, stage).flatMap((s) => s.instructions.filter((i) => i.keyword === keyword).reverse());
/** The instruction in force for a stage (USER, CMD, HEALTHCHECK... are inherited). */
const effective = (stage: string, keyword: string) => instructionsOf(stage, keyword)[0];

describe('service image', () => {
  test('the parser reads stages, continuations and global ARGs', () => {
    const parsed = parseDockerfile(
      [
        'ARG IMG=node:20',
        '# c',
        'FROM ${IMG} AS a',
        'RUN one \\',
        '  # inner comment',
        '  two',
        'FROM a',
      ].join('\n'),
    );
    assert.equal(resolveBase(parsed.stages[0].base, parsed.globalArgs), 'node:20');
    assert.deepEqual(
      parsed.stages[0].instructions.map((i) => [i.keyword, i.args]),
      [['RUN', 'one    two']],
    );
    assert.deepEqual(
      lineage(parsed, 'a').map((s) => s.name),
      ['a'],
    );
    assert.equal(parsed.stages[1].base, 'a');
  });

  test('stages: build with npm ci, npm run build and a dev-dependency prune; every COPY --from is defined', () => {
    const names = file.stages.map((s) => s.name);
    for (const target of TARGETS) assert.ok(names.includes(target), `target ${target}`);
    assert.equal(file.stages.at(-1)?.name, 'runtime', 'a build without --target gets the CPU image');
    const build = file.stages.find((s) => s.name === 'build');
    assert.ok(build);
    const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    const order = ['npm ci', 'npm run build', 'npm prune --omit=dev'].map((cmd) =>
      runs.findIndex((r) => r.includes(cmd)),
    );
    assert.ok(
      order.every((i) => i >= 0),
      `build runs npm ci, npm run build, npm prune --omit=dev: ${runs.join(' | ')}`,
    );
    assert.ok(order[0] <= order[1] && order[1] <= order[2], 'in that order');
    file.stages.forEach((stage, index) => {
      const earlier = new Set(file.stages.slice(0, index).map((s) => s.name));
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY')) {
        const from = /--from=(\S+)/.exec(copy.args)?.[1];
        if (from)
          assert.ok(earlier.has(from), `line ${copy.line}: COPY --from=${from} names no earlier stage`);
      }
    });
    // .npmrc (onnxruntime-node-install=skip) must reach `npm ci`: the manifests stage collects it.
    const manifests = file.stages.find((s) => s.name === 'manifests');
    assert.ok(manifests?.instructions.some((i) => i.keyword === 'RUN' && i.args.includes('.npmrc')));
  });

  test('both targets run node:20-bookworm-slim as a numeric non-root user, with a health check and tini', () => {
    for (const target of TARGETS) {
      const root = lineage(file, target).at(-1);
      assert.equal(resolveBase(root?.base ?? '', file.globalArgs), 'node:20-bookworm-slim', target);
      const user = effective(target, 'USER')?.args ?? '';
      assert.match(
        user,
        /^[1-9]\d*(:\d+)?$/,
        `${target}: USER ${user} (numeric, so runAsNonRoot can verify it)`,
      );
      assert.match(effective(target, 'HEALTHCHECK')?.args ?? '', /deploy\/docker\/healthcheck\.mjs/, target);
      assert.match(effective(target, 'CMD')?.args ?? '', /dist\/main\.js/, target);
      assert.match(effective(target, 'ENTRYPOINT')?.args ?? '', /tini/, target);
      assert.match(effective(target, 'WORKDIR')?.args ?? '', /^\/app\/services\/\$\{SERVICE\}$/, target);
      const env = instructionsOf(target, 'ENV').map((i) => i.args);
      assert.ok(
        env.some((e) => e.includes('GSDYN_SERVICE=${SERVICE}')),
        `${target}: GSDYN_SERVICE (the health check reads it)`,
      );
    }
    const gpuEnv = instructionsOf('gpu', 'ENV').map((i) => i.args);
    assert.ok(
      gpuEnv.some((e) => /NVIDIA_DRIVER_CAPABILITIES=\S*graphics/.test(e)),
      'gpu: the Vulkan driver capability',
    );
    assert.ok(
      !gpuEnv.some((e) => e.includes('NVIDIA_VISIBLE_DEVICES')),
      'gpu: devices come from the orchestrator',
    );
    assert.ok(
      instructionsOf('gpu', 'RUN').some((i) => i.args.includes('libvulkan1')),
      'gpu: the Vulkan loader',
    );
  });

  test('.dockerignore keeps local installs, outputs and secrets out, and what the build needs in', () => {
    for (const path of [
      'node_modules/yaml/package.json',
      'packages/geometry/node_modules/x',
      'packages/splat/dist/index.js',
      'packages/splat/build/kernels.wasm',
      '.git/HEAD',
      '.tmp/notes.md',
      '.env',
      '.env.local',
      'demo/report.html',
      'deploy/k8s/gateway.yaml',
    ]) {
      assert.ok(isIgnored(path, dockerignore), `${path} should be ignored`);
    }
    for (const path of [
      'package.json',
      'package-lock.json',
      '.npmrc',
      'tsconfig.base.json',
      'packages/splat/src/index.ts',
      'packages/splat/assembly/index.ts',
      'services/gateway/src/main.ts',
      'proto/planner.proto',
      'scripts/build-wasm-all.mjs',
      'deploy/docker/healthcheck.mjs',
    ]) {
      assert.ok(!isIgnored(path, dockerignore), `${path} should reach the build`);
    }
  });

  test('the .dockerignore matcher follows Docker: last match wins, ! re-includes, directories cover contents', () => {
    const rules = '**/dist\n*.md\n!README.md\nbuild/\n';
    assert.ok(isIgnored('a/b/dist/x.js', rules));
    assert.ok(isIgnored('dist', rules));
    assert.ok(isIgnored('notes.md', rules));
    assert.ok(!isIgnored('README.md', rules));
    assert.ok(!isIgnored('docs/notes.md', rules), '* does not cross /');
    assert.ok(isIgnored('build/x/y', rules));
    assert.ok(!isIgnored('src/build.ts', rules));
  });
});
