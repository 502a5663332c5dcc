// deploy/docker/healthcheck.mjs, the images' HEALTHCHECK, run for real against a local HTTP server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from './support/yaml-documents.js';

const SCRIPT = join(REPO_ROOT, 'deploy/docker/healthcheck.mjs');
const run = promisify(execFile);

async function check(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  // Only what the test sets: the script must not pick up GSDYN_* variables of the machine running the tests.
  const clean = { PATH: process.env.PATH ?? '', ...env };
  try {
    const { stderr } = await run(process.execPath, [SCRIPT], { env: clean, timeout: 10_000 });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

describe('container health check', () => {
  let server: Server;
  let port: number;
  let status = 200;
  const paths: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(req.url === '/healthz' ? status : 404).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('the gateway is asked on GSDYN_GATEWAY_PORT, the other services on GSDYN_METRICS_PORT', async () => {
    status = 200;
    paths.length = 0;
    assert.equal((await check({ GSDYN_SERVICE: 'gateway', GSDYN_GATEWAY_PORT: String(port) })).code, 0);
    assert.equal((await check({ GSDYN_SERVICE: 'tracker', GSDYN_METRICS_PORT: String(port) })).code, 0);
    assert.deepEqual(paths, ['/healthz', '/healthz']);
    // The gateway's check ignores the metrics port and the workers' ignores the gateway port.
    const wrong = await check({
      GSDYN_SERVICE: 'planner',
      GSDYN_GATEWAY_PORT: String(port),
      GSDYN_METRICS_PORT: '1',
    });
    assert.equal(wrong.code, 1);
  });

  test('a non-2xx answer, a closed port or a bad setting fails with a reason', async () => {
    status = 503;
    const unhealthy = await check({ GSDYN_SERVICE: 'trainer', GSDYN_METRICS_PORT: String(port) });
    assert.equal(unhealthy.code, 1);
    assert.match(unhealthy.stderr, /answered 503/);
    const closed = await check({ GSDYN_SERVICE: 'renderer', GSDYN_METRICS_PORT: '1' });
    assert.equal(closed.code, 1);
    assert.match(closed.stderr, /127\.0\.0\.1:1\/healthz failed/);
    const badPort = await check({ GSDYN_SERVICE: 'gateway', GSDYN_GATEWAY_PORT: 'http' });
    assert.equal(badPort.code, 1);
    assert.match(badPort.stderr, /GSDYN_GATEWAY_PORT='http' is not a TCP port/);
    const noService = await check({});
    assert.equal(noService.code, 1);
    assert.match(noService.stderr, /GSDYN_SERVICE is not set/);
  });
});
