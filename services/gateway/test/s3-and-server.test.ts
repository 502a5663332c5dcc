import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { captureArtifactPrefix, type LocalS3, loadConfig, startLocalS3 } from '@gsdyn/platform';
import { startGateway } from '../src/start-gateway.js';
import { packTar, packZip } from './helpers/archives.js';
import {
  ADMIN_KEY,
  type GatewayKit,
  stagingLeftovers,
  startGatewayKit,
  upload,
} from './helpers/gateway-kit.js';

let s3: LocalS3;
let kit: GatewayKit;
before(async () => {
  s3 = await startLocalS3();
  kit = await startGatewayKit({ store: s3.storeConfig });
});
after(async () => {
  await kit.close();
  await s3.stop();
});

describe('uploads to an S3 store', () => {
  it('stores the capture in S3 and serves artifacts through presigned URLs', async () => {
    const res = await upload(kit.app, ADMIN_KEY, await packTar(kit.episode, true));
    assert.equal(res.statusCode, 201, res.body);
    const { captureId } = res.json() as { captureId: string };
    const objects = await kit.store.list(`${captureArtifactPrefix('admin', captureId)}/`);
    assert.equal(objects.length, kit.episode.length + 1, 'every file and the manifest');
    const redirect = await kit.app.inject({
      url: `/v1/artifacts/captures/${captureId}/episode.json`,
      headers: { 'x-api-key': ADMIN_KEY },
    });
    assert.equal(redirect.statusCode, 302);
    const location = redirect.headers.location as string;
    assert.ok(location.startsWith(s3.endpoint), location);
    const downloaded = Buffer.from(await (await fetch(location)).arrayBuffer());
    const original = kit.episode.find((e) => e.name.endsWith('/episode.json'))?.data;
    assert.ok(original?.equals(downloaded));
    const through = await kit.app.inject({
      url: `/v1/artifacts/captures/${captureId}/episode.json?redirect=false`,
      headers: { 'x-api-key': ADMIN_KEY },
    });
    assert.equal(through.statusCode, 200);
    assert.ok(original?.equals(through.rawPayload));
  });

  it('a refused upload leaves nothing in S3', async () => {
    const before = (await kit.store.list('')).length;
    const res = await upload(
      kit.app,
      ADMIN_KEY,
      packZip([{ name: '../x', data: Buffer.from('x') }]),
      'x.zip',
    );
    assert.equal(res.statusCode, 400);
    assert.equal((await kit.store.list('')).length, before);
    assert.equal(await s3.pendingUploads(), 0);
    assert.deepEqual(await stagingLeftovers(kit.tempDir), []);
  });
});

describe('startGateway', () => {
  it('listens on the configured port, answers the probes over HTTP, and closes gracefully', async () => {
    const config = loadConfig({
      GSDYN_REDIS_URL: kit.redis.url,
      GSDYN_STORE_DIR: join(kit.work, 'server-store'),
      GSDYN_GATEWAY_HOST: '127.0.0.1',
      GSDYN_GATEWAY_PORT: '0',
      GSDYN_BOOTSTRAP_API_KEY: 'server-bootstrap-key-abcdef',
      GSDYN_LOG_LEVEL: 'silent',
    });
    const gateway = await startGateway(config, { handleSignals: false });
    try {
      assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${gateway.url}/readyz`)).status, 200);
      const jobs = await fetch(`${gateway.url}/v1/jobs`, {
        headers: { 'x-api-key': 'server-bootstrap-key-abcdef' },
      });
      assert.equal(jobs.status, 200);
      assert.deepEqual(await jobs.json(), { jobs: [] });
    } finally {
      await gateway.close();
    }
    await assert.rejects(fetch(`${gateway.url}/healthz`));
  });
});
