import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, openArtifactStore } from '@gsdyn/platform';
import { type RunningGateway, startGateway } from '../src/start-gateway.js';
import { DEFAULT_UPLOAD_LIMITS } from '../src/upload/limits.js';
import { packTar } from './helpers/archives.js';
import { type GatewayKit, stagingLeftovers, startGatewayKit, upload } from './helpers/gateway-kit.js';

const KEY = 'limits-bootstrap-key-0123456789';

// The kit provides the redis-server, a work directory and the tiny simulated episode; the gateways under test are
// started the way main.ts starts one: loadConfig(environment) -> startGateway(config).
let kit: GatewayKit;
let tarball: Buffer;
before(async () => {
  kit = await startGatewayKit();
  tarball = await packTar(kit.episode);
});
after(async () => {
  await kit.close();
});

async function gatewayFrom(name: string, env: Record<string, string>): Promise<RunningGateway> {
  const config = loadConfig({
    GSDYN_REDIS_URL: kit.redis.url,
    GSDYN_QUEUE_PREFIX: `limits-${name}`,
    GSDYN_STORE_DIR: join(kit.work, `store-${name}`),
    GSDYN_GATEWAY_HOST: '127.0.0.1',
    GSDYN_GATEWAY_PORT: '0',
    GSDYN_BOOTSTRAP_API_KEY: KEY,
    GSDYN_LOG_LEVEL: 'silent',
    ...env,
  });
  return startGateway(config, { handleSignals: false, tempDir: join(kit.work, `staging-${name}`) });
}

describe('upload limits from the environment (GSDYN_UPLOAD_*)', () => {
  it('the defaults accept the tiny episode', async () => {
    const gateway = await gatewayFrom('defaults', {});
    try {
      assert.deepEqual(loadConfig({}).gateway.uploadLimits, DEFAULT_UPLOAD_LIMITS);
      const res = await upload(gateway.app, KEY, tarball);
      assert.equal(res.statusCode, 201, res.body);
    } finally {
      await gateway.close();
    }
  });

  const largest = () => Math.max(...kit.episode.map((e) => e.data?.length ?? 0));
  const total = () => kit.episode.reduce((s, e) => s + (e.data?.length ?? 0), 0);
  const cases: [string, () => string, RegExp][] = [
    ['GSDYN_UPLOAD_MAX_BYTES', () => String(tarball.length - 1), /upload is larger than/],
    ['GSDYN_UPLOAD_MAX_FILES', () => String(kit.episode.length - 1), /archive has more than \d+ entries/],
    ['GSDYN_UPLOAD_MAX_FILE_BYTES', () => String(largest() - 1), /allowed per file/],
    ['GSDYN_UPLOAD_MAX_EXTRACTED_BYTES', () => String(total() - 1), /the limit on extracted bytes/],
  ];
  for (const [name, value, message] of cases)
    it(`a lowered ${name} refuses the same upload with 413, storing nothing`, async () => {
      const id = name.toLowerCase().replaceAll('_', '-');
      const gateway = await gatewayFrom(id, { [name]: value() });
      try {
        const res = await upload(gateway.app, KEY, tarball);
        assert.equal(res.statusCode, 413, res.body);
        assert.match((res.json() as { message: string }).message, message);
        const store = await openArtifactStore({ kind: 'fs', dir: join(kit.work, `store-${id}`) });
        assert.deepEqual(await store.list(''), [], 'nothing may be stored');
        assert.deepEqual(await stagingLeftovers(join(kit.work, `staging-${id}`)), []);
      } finally {
        await gateway.close();
      }
    });
});
