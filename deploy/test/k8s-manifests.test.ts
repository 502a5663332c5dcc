// deploy/k8s checked offline: every document against its Kubernetes/KEDA schema (kubernetes-models), then the
// project's own rules, which the schemas cannot express (unknown fields are not even reported by them).
// Each rule is also shown to catch a broken copy of the manifests, so that a passing test means something.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1';
import {
  configMapsOf,
  containerProblems,
  envProblems,
  GPU_RESOURCE,
  GPU_WORKERS,
  gpuProblems,
  kedaProblems,
  type Resource,
  resourcesOf,
  secretsOf,
  wiringProblems,
} from './support/k8s-checks.js';
import { schemaProblem } from './support/k8s-schema.js';
import { buildKustomization, KUSTOMIZATION, readKustomization } from './support/kustomization.js';
import { REPO_ROOT, readYamlDocuments, yamlFilesIn } from './support/yaml-documents.js';

const K8S = join(REPO_ROOT, 'deploy/k8s');
const SECRET_EXAMPLE = join(K8S, 'secret.example.yaml');

function allYamlFiles(dir: string): string[] {
  const out = yamlFilesIn(dir);
  for (const entry of readdirSync(dir).sort()) {
    if (statSync(join(dir, entry)).isDirectory()) out.push(...allYamlFiles(join(dir, entry)));
  }
  return out;
}

const base = resourcesOf(buildKustomization(K8S));
const dev = resourcesOf(buildKustomization(join(K8S, 'dev')));
const secretExample = resourcesOf(readYamlDocuments(SECRET_EXAMPLE));
const config = configMapsOf(base).get('gsdyn-config') ?? {};

/** A deep copy of the resources with one changed by `edit`. */
function mutated(
  resources: readonly Resource[],
  kind: string,
  name: string,
  edit: (v: never) => void,
): Resource[] {
  let found = false;
  const copy = resources.map((r) => {
    if (r.kind !== kind || r.name !== name) return r;
    found = true;
    const value = structuredClone(r.value);
    edit(value as never);
    return { ...r, value };
  });
  assert.ok(found, `no ${kind} ${name} to mutate`);
  return copy;
}

const deploymentEdit = (edit: (d: IDeployment) => void) => (v: never) => edit(v as IDeployment);

describe('deploy/k8s', () => {
  test('every document parses, uses no YAML anchors, and passes its Kubernetes or KEDA schema', () => {
    const problems: string[] = [];
    let count = 0;
    for (const file of allYamlFiles(K8S)) {
      if (basename(file) === KUSTOMIZATION || file.endsWith('.patch.yaml')) continue;
      for (const doc of readYamlDocuments(file)) {
        count += 1;
        if (doc.usesAnchors) problems.push(`${doc.where}: uses YAML anchors (kustomize may not expand them)`);
        const problem = schemaProblem(doc.value, doc.where);
        if (problem) problems.push(problem);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(count >= 25, `only ${count} documents found`);
  });

  test('the schema validators reject wrong types (so the check above can fail)', () => {
    const gateway = base.find((r) => r.kind === 'Deployment' && r.name === 'gateway');
    assert.ok(gateway);
    const broken = structuredClone(gateway.value) as unknown as IDeployment;
    (broken.spec as unknown as Record<string, unknown>).replicas = 'two';
    assert.match(schemaProblem(broken, 'x') ?? '', /replicas/);
    const so = base.find((r) => r.kind === 'ScaledObject');
    assert.ok(so);
    const brokenSo = structuredClone(so.value);
    (brokenSo.spec as { triggers: unknown[] }).triggers = [{ type: 'redis', metadata: { listLength: 1 } }];
    assert.match(schemaProblem(brokenSo, 'x') ?? '', /listLength/);
    assert.match(
      schemaProblem({ apiVersion: 'v9', kind: 'Pod', metadata: { name: 'p' } }, 'x') ?? '',
      /no schema/,
    );
  });

  test('each kustomization lists every manifest of its folder, and only the secret example is left out', () => {
    for (const dir of [K8S, join(K8S, 'dev')]) {
      const k = readKustomization(dir);
      const listed = new Set(k.resources.filter((r) => r.endsWith('.yaml')));
      const patchFiles = new Set(k.patches.map((p) => p.path));
      const expected = yamlFilesIn(dir)
        .map((f) => basename(f))
        .filter((f) => f !== KUSTOMIZATION && f !== 'secret.example.yaml' && !patchFiles.has(f));
      assert.deepEqual([...listed].sort(), expected, `${dir}/${KUSTOMIZATION}`);
      assert.equal(k.namespace, 'gsdyn');
    }
    assert.ok(!readKustomization(K8S).resources.includes('secret.example.yaml'));
    // The images the base deploys are the ones its `images:` entries retag.
    const images = new Set(
      base.flatMap((r) =>
        r.kind === 'Deployment'
          ? ((r.value as unknown as IDeployment).spec?.template.spec?.containers ?? []).map((c) => c.image)
          : [],
      ),
    );
    for (const image of readKustomization(K8S).images) {
      assert.ok(
        [...images].some((i) => i?.startsWith(`${image.name}:`)),
        `kustomization images: ${image.name} is not used`,
      );
    }
  });

  test('the applied base holds no Secret; the template and the dev overlay cover the same keys', () => {
    assert.deepEqual(
      base.filter((r) => r.kind === 'Secret').map((r) => r.name),
      [],
    );
    const template = secretsOf(secretExample).get('gsdyn-secrets');
    assert.ok(template, 'secret.example.yaml defines gsdyn-secrets');
    for (const [key, value] of Object.entries(template)) {
      assert.match(value, /change-me/, `secret.example.yaml: ${key} must be a placeholder`);
    }
    const devSecret = readKustomization(join(K8S, 'dev')).secretLiterals.get('gsdyn-secrets');
    assert.ok(devSecret, 'the dev overlay generates gsdyn-secrets');
    assert.deepEqual(Object.keys(devSecret).sort(), Object.keys(template).sort());
    for (const [key, value] of Object.entries(devSecret)) {
      assert.match(value, /dev/, `dev overlay: ${key} must be an obviously-development value`);
    }
  });

  test('every container has probes, requests and limits, and a restricted security context', () => {
    assert.deepEqual(containerProblems(base), []);
    assert.deepEqual(containerProblems(dev), []);
    const broken = mutated(
      base,
      'Deployment',
      'tracker',
      deploymentEdit((d) => {
        const c = d.spec!.template.spec!.containers[0];
        delete c.livenessProbe;
        delete c.resources!.requests;
        c.securityContext!.runAsNonRoot = false;
        c.readinessProbe!.httpGet!.port = 'nope';
      }),
    );
    const problems = containerProblems(broken).join('\n');
    for (const expected of ['no livenessProbe', 'no resources.requests.cpu', 'runAsNonRoot', "port 'nope'"]) {
      assert.ok(problems.includes(expected), `expected '${expected}' in:\n${problems}`);
    }
  });

  test('selectors, Services, budgets and autoscalers find the pods they are meant for', () => {
    assert.deepEqual(wiringProblems(base), []);
    assert.deepEqual(wiringProblems(dev), []);
    const hpa = base.find((r) => r.kind === 'HorizontalPodAutoscaler' && r.name === 'gateway');
    assert.ok(hpa);
    assert.equal((hpa.value.spec as { minReplicas?: number }).minReplicas, 2, 'the gateway keeps 2 replicas');
    const broken = mutated(
      base,
      'Deployment',
      'planner',
      deploymentEdit((d) => {
        d.spec!.template.metadata!.labels = { 'app.kubernetes.io/name': 'planer' };
        d.spec!.template.spec!.containers[0].ports = [{ name: 'grpcx', containerPort: 50051 }];
      }),
    );
    const problems = wiringProblems(broken).join('\n');
    assert.match(problems, /Deployment planner: spec.selector.matchLabels does not match/);
    assert.match(problems, /Service planner selects 0 workloads/);
    assert.match(problems, /PodDisruptionBudget planner selects 0 workloads/);
    const pinned = mutated(
      base,
      'Deployment',
      'gateway',
      deploymentEdit((d) => {
        d.spec!.replicas = 2;
      }),
    );
    assert.match(wiringProblems(pinned).join('\n'), /gateway is autoscaled but sets spec.replicas/);
  });

  test('GPU workers ask for one nvidia.com/gpu, run on GPU nodes with WebGPU; nothing else asks for a GPU', () => {
    assert.deepEqual(gpuProblems(base), []);
    const broken = mutated(
      base,
      'Deployment',
      'renderer',
      deploymentEdit((d) => {
        delete d.spec!.template.spec!.containers[0].resources!.limits![GPU_RESOURCE];
        d.spec!.template.spec!.tolerations = [];
      }),
    );
    const problems = gpuProblems(broken).join('\n');
    assert.match(problems, /renderer: resources.limits\['nvidia.com\/gpu'\] is undefined/);
    assert.match(problems, /renderer: does not tolerate/);
    const greedy = mutated(
      base,
      'Deployment',
      'gateway',
      deploymentEdit((d) => {
        d.spec!.template.spec!.containers[0].resources!.limits![GPU_RESOURCE] = 1;
      }),
    );
    assert.match(gpuProblems(greedy).join('\n'), /gateway: asks for nvidia.com\/gpu/);
  });

  test('the dev overlay moves the GPU workers to the CPU and patches only paths that exist', () => {
    for (const name of GPU_WORKERS) {
      const d = dev.find((r) => r.kind === 'Deployment' && r.name === name)?.value as unknown as IDeployment;
      const pod = d.spec!.template.spec!;
      assert.equal(pod.containers[0].resources?.limits?.[GPU_RESOURCE], undefined, name);
      assert.equal(pod.nodeSelector, undefined, name);
      assert.equal(pod.tolerations, undefined, name);
      assert.deepEqual(pod.containers[0].env?.[0], { name: 'GSDYN_DEVICE', value: 'cpu' }, name);
    }
    for (const r of dev.filter((r) => r.kind === 'Deployment' || r.kind === 'StatefulSet')) {
      assert.equal(schemaProblem(r.value, r.where), undefined);
    }
    assert.ok(dev.some((r) => r.kind === 'Deployment' && r.name === 'minio'));
    assert.ok(dev.some((r) => r.kind === 'Job' && r.name === 'minio-bucket'));
  });

  test('KEDA scales each worker on its BullMQ wait and active lists, in the Redis of GSDYN_REDIS_URL', () => {
    assert.equal(config.GSDYN_QUEUE_PREFIX, 'gsdyn');
    assert.deepEqual(kedaProblems(base, config), []);
    const wrongPrefix = mutated(base, 'ScaledObject', 'tracker', (v: never) => {
      const so = v as { spec: { triggers: { metadata: Record<string, string> }[] } };
      so.spec.triggers[0].metadata.listName = 'bull:track:wait';
    });
    assert.match(
      kedaProblems(wrongPrefix, config).join('\n'),
      /listName 'bull:track:wait' is not one of gsdyn:track:wait/,
    );
    const otherRedis = { ...config, GSDYN_REDIS_URL: 'redis://elsewhere:6380' };
    assert.match(kedaProblems(base, otherRedis).join('\n'), /is not GSDYN_REDIS_URL's elsewhere:6380/);
    const noActive = mutated(base, 'ScaledObject', 'trainer', (v: never) => {
      const so = v as { spec: { triggers: unknown[] } };
      so.spec.triggers = so.spec.triggers.slice(0, 1);
    });
    assert.match(kedaProblems(noActive, config).join('\n'), /no trigger on gsdyn:train:active/);
  });

  test('every variable a container reads exists in the ConfigMap or the Secret template, and is valid', () => {
    const secrets = secretsOf(secretExample);
    assert.deepEqual(envProblems(base, configMapsOf(base), secrets), []);
    assert.deepEqual(envProblems(dev, configMapsOf(dev), secretsOf(dev)), []);
    const typo = new Map([['gsdyn-config', { ...config, GSDYN_REDIS_ULR: 'redis://x:1' }]]);
    assert.match(
      envProblems(base, typo, secrets).join('\n'),
      /GSDYN_REDIS_ULR is not a gsdyn configuration variable/,
    );
    const leaked = new Map([['gsdyn-config', { ...config, GSDYN_S3_SECRET_KEY: 'x' }]]);
    assert.match(envProblems(base, leaked, secrets).join('\n'), /GSDYN_S3_SECRET_KEY is a secret/);
    const bad = new Map([['gsdyn-config', { ...config, GSDYN_DEVICE: 'cuda' }]]);
    assert.match(
      envProblems(base, bad, secrets).join('\n'),
      /GSDYN_DEVICE="cuda": expected one of cpu, webgpu/,
    );
    assert.match(
      envProblems(base, configMapsOf(base), new Map()).join('\n'),
      /Secret 'gsdyn-secrets' does not exist/,
    );
    const nosy = mutated(
      base,
      'Deployment',
      'trainer',
      deploymentEdit((d) => {
        d.spec!.template.spec!.containers[0].envFrom!.push({ secretRef: { name: 'gsdyn-secrets' } });
      }),
    );
    assert.match(
      envProblems(nosy, configMapsOf(base), secrets).join('\n'),
      /trainer.*sees GSDYN_BOOTSTRAP_API_KEY/,
    );
  });

  test('Redis keeps an append-only file on a PersistentVolumeClaim and never evicts keys', () => {
    const redis = base.find((r) => r.kind === 'StatefulSet' && r.name === 'redis');
    assert.ok(redis);
    const spec = redis.value.spec as {
      volumeClaimTemplates?: { metadata: { name: string } }[];
    } & IDeployment['spec'];
    const args = spec!.template.spec!.containers[0].args ?? [];
    const flag = (name: string) => args[args.indexOf(name) + 1];
    assert.equal(flag('--appendonly'), 'yes');
    assert.equal(flag('--maxmemory-policy'), 'noeviction');
    const claim = spec!.volumeClaimTemplates?.[0]?.metadata.name;
    assert.ok(
      spec!.template.spec!.containers[0].volumeMounts?.some(
        (m) => m.name === claim && m.mountPath === '/data',
      ),
      'the claim is mounted at /data',
    );
  });

  test('the optional Ingress routes to the gateway Service port', () => {
    const [doc] = readYamlDocuments(join(K8S, 'optional/ingress.yaml'));
    assert.equal(schemaProblem(doc.value, doc.where), undefined);
    const backend = (doc.value as IIngress).spec?.rules?.[0].http?.paths[0].backend.service;
    assert.ok(backend);
    const service = base.find((r) => r.kind === 'Service' && r.name === backend.name);
    assert.ok(service, `Service ${backend.name}`);
    const ports = (service.value.spec as { ports: { name?: string }[] }).ports;
    assert.ok(
      ports.some((p) => p.name === backend.port?.name),
      `port ${backend.port?.name}`,
    );
  });
});
