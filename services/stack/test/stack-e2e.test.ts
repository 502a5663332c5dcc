import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type RunningStack, startStack } from '../src/stack.js';
import { makeTinyEpisode, TINY_TRACK, TINY_TRAIN, waitFor } from './support/service-kit.js';

const run = promisify(execFile);

describe('the local stack end to end (gateway over HTTP, workers in child processes, Redis, S3)', () => {
  let stack: RunningStack;
  let episode: Awaited<ReturnType<typeof makeTinyEpisode>>;
  before(async () => {
    [stack, episode] = await Promise.all([
      startStack({
        env: {
          ...process.env,
          GSDYN_GATEWAY_PORT: '0',
          GSDYN_LOG_LEVEL: 'silent',
          GSDYN_BOOTSTRAP_API_KEY: '',
        },
        workerStdio: 'ignore',
      }),
      makeTinyEpisode(3),
    ]);
  });
  after(async () => {
    await stack?.stop();
    await episode?.cleanup();
  });

  test('upload a capture, run the pipeline, poll it to completion, download the model', async (t) => {
    if (stack.gatewayUrl === undefined) {
      t.skip(`no gateway: ${stack.gatewayProblem}`);
      return;
    }
    const url = stack.gatewayUrl;
    const auth = { 'x-api-key': stack.apiKey };
    const tarPath = join(episode.dir, '..', 'capture.tar');
    await run('tar', ['-cf', tarPath, '-C', episode.dir, '.']);
    const form = new FormData();
    form.append('file', new Blob([await readFile(tarPath)]), 'capture.tar');
    const up = await fetch(`${url}/v1/captures`, { method: 'POST', headers: auth, body: form });
    const upBody = (await up.json()) as { captureId?: string };
    assert.equal(up.status, 201, JSON.stringify(upBody));
    assert.ok(upBody.captureId);

    const noKey = await fetch(`${url}/v1/jobs`);
    assert.equal(noKey.status, 401);

    const start = await fetch(`${url}/v1/pipelines`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ captureIds: [upBody.captureId], track: TINY_TRACK, train: TINY_TRAIN }),
    });
    const { jobId } = (await start.json()) as { jobId: string };
    assert.equal(start.status, 201);

    interface Status {
      state: string;
      stages: {
        stage: string;
        state: string;
        error?: string;
        artifacts?: string;
        metrics: Record<string, number>;
      }[];
    }
    const status = await waitFor(
      `pipeline ${jobId} to finish`,
      async () => {
        const res = await fetch(`${url}/v1/jobs/${jobId}`, { headers: auth });
        const s = (await res.json()) as Status;
        return s.state === 'completed' || s.state === 'failed' ? s : undefined;
      },
      45_000,
      200,
    );
    assert.equal(status.state, 'completed', JSON.stringify(status.stages.map((s) => s.error)));
    const train = status.stages.find((s) => s.stage === 'train');
    const track = status.stages.find((s) => s.stage === 'track');
    assert.equal(track?.metrics.frames, 4);
    assert.ok(train?.artifacts, 'the train stage names its artifacts');
    const model = await fetch(`${url}/v1/artifacts/${train.artifacts}/model.json?redirect=false`, {
      headers: auth,
    });
    assert.equal(model.status, 200);
    const json = (await model.json()) as Record<string, unknown>;
    assert.ok(JSON.stringify(json).includes('"hidden":8'));
    const onnx = await fetch(`${url}/v1/artifacts/${train.artifacts}/model.onnx?redirect=false`, {
      headers: auth,
    });
    assert.equal(onnx.status, 200);
    assert.ok((await onnx.arrayBuffer()).byteLength > 100);
  });
});
