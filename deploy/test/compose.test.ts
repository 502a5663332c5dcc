// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Compose interpolation syntax, not JS templates.
// docker-compose.yml and docker-compose.gpu.yml checked offline (there is no docker here): the Compose
// Specification schema after interpolation, then the rules of this project.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { composeSchemaErrors, interpolate, interpolateAll, references } from './support/compose.js';
import { gsdynEnvProblems } from './support/gsdyn-env.js';
import { GPU_WORKERS } from './support/k8s-checks.js';
import { isRecord, REPO_ROOT, readYamlDocuments } from './support/yaml-documents.js';

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string; args?: Record<string, string> };
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  volumes?: string[];
  ports?: string[];
  deploy?: {
    resources?: {
      reservations?: { devices?: { driver?: string; count?: number; capabilities?: string[] }[] };
    };
  };
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  [extension: `x-${string}`]: unknown;
}

function load(name: string): { raw: ComposeFile; resolved: ComposeFile } {
  const docs = readYamlDocuments(join(REPO_ROOT, name), { merge: true });
  assert.equal(docs.length, 1, `${name}: one document`);
  const raw = docs[0].value as ComposeFile;
  // Resolved as `docker compose` would with nothing set in the environment: every default in force.
  return { raw, resolved: interpolateAll(raw, {}) as ComposeFile };
}

const base = load('docker-compose.yml');
const gpu = load('docker-compose.gpu.yml');
const services = base.resolved.services;
const APP_SERVICES = ['gateway', 'tracker', 'trainer', 'renderer', 'planner'];
/** Variables whose values are credentials. */
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|_KEY$|ROOT_USER)/;

describe('docker compose', () => {
  test('interpolation follows Compose: defaults, required variables, $$ escapes', () => {
    const env = { SET: 'x', EMPTY: '' };
    assert.equal(interpolate('${SET:-d}/${EMPTY:-d}/${EMPTY-d}/${UNSET-d}/$SET/$$SET', env), 'x/d//d/x/$SET');
    assert.equal(interpolate('${UNSET:-${SET}}', env), 'x');
    assert.throws(() => interpolate('${UNSET:?set it}', env), /UNSET is missing: set it/);
    assert.throws(() => interpolate('${EMPTY:?set it}', env), /EMPTY is missing/);
    assert.equal(interpolate('${EMPTY?set it}', env), '');
    assert.deepEqual(references('a ${B:-c} $D $$E'), [
      { name: 'B', op: ':-', arg: 'c' },
      { name: 'D', op: undefined, arg: '' },
    ]);
  });

  test('both files validate against the Compose Specification (which rejects what it does not know)', () => {
    assert.deepEqual(composeSchemaErrors(base.resolved), []);
    assert.deepEqual(composeSchemaErrors(gpu.resolved), []);
    assert.notDeepEqual(composeSchemaErrors({ ...base.resolved, name: 'gsdyn' }), []);
    const badHealth = structuredClone(base.resolved);
    badHealth.services.redis.healthcheck = {
      test: ['CMD', 'true'],
      interval: '5 seconds',
    } as Service['healthcheck'];
    assert.match(composeSchemaErrors(badHealth).join('\n'), /healthcheck\/interval/);
    const badDepends = structuredClone(base.resolved);
    badDepends.services.gateway.depends_on = { redis: { condition: 'service_ready' } };
    assert.notDeepEqual(composeSchemaErrors(badDepends), []);
  });

  test('Redis persists an append-only file on a named volume and never evicts keys', () => {
    const redis = services.redis;
    const command = Array.isArray(redis.command) ? redis.command : String(redis.command).split(/\s+/);
    const flag = (name: string) => command[command.indexOf(name) + 1];
    assert.equal(flag('--appendonly'), 'yes');
    assert.equal(flag('--maxmemory-policy'), 'noeviction');
    const data = redis.volumes?.find((v) => v.split(':')[1] === '/data');
    assert.ok(data, 'a volume at /data');
    assert.ok(
      base.resolved.volumes && data.split(':')[0] in base.resolved.volumes,
      'a named volume, declared',
    );
  });

  test('every service has a healthcheck or is a one-shot; dependencies wait for health or completion', () => {
    const problems: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      const oneShot = s.restart === 'no';
      if (!oneShot && (!s.healthcheck?.test || s.healthcheck.disable))
        problems.push(`${name}: no healthcheck`);
      if (!s.restart) problems.push(`${name}: no restart policy`);
      if (oneShot && !s.depends_on) problems.push(`${name}: a one-shot that waits for nothing`);
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        const target = services[dep];
        if (!target) problems.push(`${name}: depends on unknown service ${dep}`);
        else if (condition === 'service_healthy' && !target.healthcheck?.test) {
          problems.push(`${name}: waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
        } else if (condition === 'service_completed_successfully' && target.restart !== 'no') {
          problems.push(`${name}: waits for ${dep} to complete, but ${dep} restarts`);
        } else if (condition === 'service_started') {
          problems.push(`${name}: depends on ${dep} merely started`);
        }
      }
    }
    assert.deepEqual(problems, []);
    for (const name of APP_SERVICES) {
      assert.equal(
        services[name]?.depends_on?.redis?.condition,
        'service_healthy',
        `${name} waits for redis`,
      );
      assert.equal(
        services[name]?.depends_on?.['minio-init']?.condition,
        'service_completed_successfully',
        name,
      );
    }
  });

  test('the services share one environment block, complete and valid for the distributed mode', () => {
    const shared = base.resolved['x-gsdyn-env'];
    assert.ok(isRecord(shared), 'x-gsdyn-env');
    const problems: string[] = [];
    for (const name of APP_SERVICES) {
      const env = services[name]?.environment ?? {};
      for (const [key, value] of Object.entries(shared)) {
        if (env[key] !== value) problems.push(`${name}: ${key} differs from x-gsdyn-env`);
      }
      problems.push(...gsdynEnvProblems(env, name));
    }
    assert.deepEqual(problems, []);
    assert.equal(services.gateway.environment?.GSDYN_GATEWAY_PORT, '8080');
    assert.ok(
      services.gateway.ports?.some((p) => p.endsWith(':8080')),
      'the gateway port is published',
    );
    assert.match(gsdynEnvProblems({ ...shared, GSDYN_STROE: 's3' }, 'x').join('\n'), /GSDYN_STROE is not/);
  });

  test('credentials come from variables whose defaults are obviously for development', () => {
    const offending = (file: ComposeFile) => {
      const found: string[] = [];
      const visit = (value: unknown, path: string, key: string) => {
        if (typeof value === 'string' && SECRET_NAME.test(key)) {
          const refs = references(value);
          if (refs.length === 0) found.push(`${path}: literal credential`);
          for (const r of refs) {
            const devDefault = (r.op === ':-' || r.op === '-') && /dev/.test(r.arg);
            if (!devDefault && r.op !== ':?' && r.op !== '?')
              found.push(`${path}: \${${r.name}} needs a dev default`);
          }
        } else if (isRecord(value)) {
          for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`, k);
        } else if (Array.isArray(value)) {
          for (const [i, v] of value.entries()) visit(v, `${path}[${i}]`, key);
        }
      };
      visit(file, '', '');
      return found;
    };
    assert.deepEqual(offending(base.raw), []);
    assert.deepEqual(offending(gpu.raw), []);
    const leaked = structuredClone(base.raw);
    leaked.services.minio.environment = { MINIO_ROOT_PASSWORD: 'hunter2hunter2' };
    leaked.services.gateway.environment = { GSDYN_BOOTSTRAP_API_KEY: '${KEY:-prod-key-123}' };
    assert.deepEqual(offending(leaked), [
      '.services.minio.environment.MINIO_ROOT_PASSWORD: literal credential',
      '.services.gateway.environment.GSDYN_BOOTSTRAP_API_KEY: ${KEY} needs a dev default',
    ]);
    // The services authenticate to MinIO with its root credentials: the same variables, the same defaults.
    assert.equal(
      services.minio.environment?.MINIO_ROOT_USER,
      services.gateway.environment?.GSDYN_S3_ACCESS_KEY,
    );
    assert.equal(
      services.minio.environment?.MINIO_ROOT_PASSWORD,
      services.gateway.environment?.GSDYN_S3_SECRET_KEY,
    );
    for (const p of [...(services.redis.ports ?? []), ...(services.minio.ports ?? [])]) {
      assert.match(p, /^127\.0\.0\.1:/, `${p}: unauthenticated stores are published on localhost only`);
    }
  });

  test('the GPU override gives the GPU workers, and only them, an NVIDIA GPU with the graphics capability', () => {
    assert.deepEqual(Object.keys(gpu.resolved.services).sort(), [...GPU_WORKERS].sort());
    for (const [name, s] of Object.entries(gpu.resolved.services)) {
      assert.ok(services[name], `${name} exists in docker-compose.yml`);
      const devices = s.deploy?.resources?.reservations?.devices ?? [];
      assert.equal(devices.length, 1, name);
      assert.equal(devices[0].driver, 'nvidia');
      assert.equal(devices[0].count, 1);
      for (const cap of ['gpu', 'graphics'])
        assert.ok(devices[0].capabilities?.includes(cap), `${name}: ${cap}`);
      assert.equal(s.build?.target, 'gpu');
      assert.equal(s.environment?.GSDYN_DEVICE, 'webgpu');
      assert.match(s.image ?? '', new RegExp(`^gsdyn/${name}-gpu:`));
    }
    for (const [name, s] of Object.entries(services))
      assert.equal(s.deploy, undefined, `${name}: no GPU in the base`);
  });

  test('every application image is built from the service Dockerfile for an existing service', () => {
    for (const name of APP_SERVICES) {
      const s = services[name];
      assert.ok(s, name);
      assert.match(s.image ?? '', new RegExp(`^gsdyn/${name}:`));
      assert.equal(s.build?.context, '.');
      assert.ok(existsSync(join(REPO_ROOT, s.build?.dockerfile ?? '')), `${name}: ${s.build?.dockerfile}`);
      assert.equal(s.build?.args?.SERVICE, name);
      assert.ok(existsSync(join(REPO_ROOT, 'services', name)), `services/${name}`);
      assert.equal(
        s.environment?.GSDYN_DEVICE ?? 'cpu',
        'cpu',
        `${name}: CPU unless the GPU override is used`,
      );
    }
  });
});
