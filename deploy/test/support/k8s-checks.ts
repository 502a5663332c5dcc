// What the schema validators cannot see: each check takes the manifests (already schema-valid) and returns one
// message per problem, naming the file, the resource and the field, so that a test asserts an empty list and a
// failure reads as a to-do list.
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import type { IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { IJob } from 'kubernetes-models/batch/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IConfigMap, IContainer, IPodSpec, IProbe, ISecret, IService } from 'kubernetes-models/v1';
import { GSDYN_VARIABLES, gsdynEnvProblems } from './gsdyn-env.js';
import { typeOf } from './k8s-schema.js';
import { isRecord, type YamlDocument } from './yaml-documents.js';

export interface Resource {
  readonly where: string;
  /** `apiVersion/kind`. */
  readonly type: string;
  readonly kind: string;
  readonly name: string;
  readonly value: Record<string, unknown>;
}

export function resourcesOf(docs: readonly YamlDocument[]): Resource[] {
  const out: Resource[] = [];
  for (const d of docs) {
    const type = typeOf(d.value);
    if (type === undefined || !isRecord(d.value)) continue;
    const metadata = isRecord(d.value.metadata) ? d.value.metadata : {};
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    out.push({ where: d.where, type, kind: String(d.value.kind), name, value: d.value });
  }
  return out;
}

/**
 * The project's knowledge of its services: which are GPU workers, and which BullMQ queues (named after the
 * pipeline stages of @gsdyn/platform) each worker consumes. A worker that takes on another stage's queue (eval,
 * say) gets its queue here and two more triggers in its ScaledObject.
 */
export const GPU_WORKERS: ReadonlySet<string> = new Set(['tracker', 'renderer']);
export const WORKER_QUEUES: ReadonlyMap<string, readonly string[]> = new Map([
  ['tracker', ['track']],
  ['trainer', ['train']],
  ['renderer', ['render']],
]);
/** Services that other pods reach by name. */
export const EXPECTED_SERVICES: readonly string[] = ['gateway', 'planner', 'redis'];
export const GPU_RESOURCE = 'nvidia.com/gpu';

interface Workload {
  readonly resource: Resource;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>> | undefined;
  readonly replicas: number | undefined;
  readonly pod: IPodSpec;
  /** Volumes the pod gets besides its own: a StatefulSet's volumeClaimTemplates. */
  readonly claims: readonly string[];
}

function workloadOf(r: Resource): Workload | undefined {
  if (r.kind === 'Deployment' || r.kind === 'StatefulSet') {
    const spec = (r.value as unknown as IDeployment | IStatefulSet).spec;
    if (!spec?.template.spec) return undefined;
    const claims = 'volumeClaimTemplates' in spec ? (spec.volumeClaimTemplates ?? []) : [];
    return {
      resource: r,
      labels: spec.template.metadata?.labels ?? {},
      selector: spec.selector.matchLabels,
      replicas: spec.replicas,
      pod: spec.template.spec,
      claims: claims.map((c) => c.metadata?.name ?? ''),
    };
  }
  if (r.kind === 'Job') {
    const spec = (r.value as unknown as IJob).spec;
    if (!spec?.template.spec) return undefined;
    return {
      resource: r,
      labels: spec.template.metadata?.labels ?? {},
      selector: undefined,
      replicas: undefined,
      pod: spec.template.spec,
      claims: [],
    };
  }
  return undefined;
}

export function workloadsOf(resources: readonly Resource[]): Workload[] {
  return resources.map(workloadOf).filter((w): w is Workload => w !== undefined);
}

const matches = (selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

function probePort(probe: IProbe | undefined): string | number | undefined {
  return probe?.httpGet?.port ?? probe?.tcpSocket?.port ?? probe?.grpc?.port;
}

/** Probes, resources, and the restricted Pod Security Standard for every container of every workload. */
export function containerProblems(resources: readonly Resource[]): string[] {
  const problems: string[] = [];
  for (const w of workloadsOf(resources)) {
    const pod = w.pod;
    const podSecurity = pod.securityContext;
    const volumes = new Set([...(pod.volumes ?? []).map((v) => v.name), ...w.claims]);
    for (const c of pod.containers) {
      const at = `${w.resource.where}: ${w.resource.kind} ${w.resource.name}, container ${c.name}`;
      if (w.resource.kind !== 'Job') {
        if (!c.livenessProbe) problems.push(`${at}: no livenessProbe`);
        if (!c.readinessProbe) problems.push(`${at}: no readinessProbe`);
      }
      const portNames = new Set((c.ports ?? []).map((p) => p.name).filter((n) => n !== undefined));
      const portNumbers = new Set((c.ports ?? []).map((p) => p.containerPort));
      for (const [kind, probe] of [
        ['livenessProbe', c.livenessProbe],
        ['readinessProbe', c.readinessProbe],
        ['startupProbe', c.startupProbe],
      ] as const) {
        const port = probePort(probe);
        if (typeof port === 'string' && !portNames.has(port)) {
          problems.push(`${at}: ${kind} names port '${port}', which the container does not declare`);
        }
        if (typeof port === 'number' && !portNumbers.has(port)) {
          problems.push(`${at}: ${kind} uses port ${port}, which the container does not declare`);
        }
      }
      for (const kind of ['requests', 'limits'] as const) {
        const set = c.resources?.[kind] ?? {};
        for (const resource of ['cpu', 'memory']) {
          if (set[resource] === undefined) problems.push(`${at}: no resources.${kind}.${resource}`);
        }
      }
      const sc = c.securityContext;
      if ((sc?.runAsNonRoot ?? podSecurity?.runAsNonRoot) !== true)
        problems.push(`${at}: runAsNonRoot is not true`);
      if ((sc?.runAsUser ?? podSecurity?.runAsUser) === 0) problems.push(`${at}: runs as uid 0`);
      if (sc?.allowPrivilegeEscalation !== false)
        problems.push(`${at}: allowPrivilegeEscalation is not false`);
      if (!sc?.capabilities?.drop?.includes('ALL'))
        problems.push(`${at}: capabilities.drop does not include ALL`);
      if (sc?.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem is not true`);
      const seccomp = sc?.seccompProfile?.type ?? podSecurity?.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${at}: no seccompProfile`);
      if (sc?.privileged) problems.push(`${at}: privileged`);
      for (const m of c.volumeMounts ?? []) {
        if (!volumes.has(m.name))
          problems.push(`${at}: mounts volume '${m.name}', which the pod does not define`);
      }
      // Our images write only to /tmp: with a read-only root it must be a volume.
      if (c.image?.startsWith('gsdyn/') && !(c.volumeMounts ?? []).some((m) => m.mountPath === '/tmp')) {
        problems.push(`${at}: no writable /tmp (an emptyDir) under readOnlyRootFilesystem`);
      }
    }
  }
  return problems;
}

function pdbMinReplicas(w: Workload, resources: readonly Resource[]): number {
  const hpa = resources.find(
    (r) =>
      r.kind === 'HorizontalPodAutoscaler' &&
      (r.value as unknown as IHorizontalPodAutoscaler).spec?.scaleTargetRef.name === w.resource.name,
  );
  const min = hpa ? (hpa.value as unknown as IHorizontalPodAutoscaler).spec?.minReplicas : undefined;
  return min ?? w.replicas ?? 1;
}

/**
 * Selectors select their own pods; each expected Service, PodDisruptionBudget, HPA and ScaledObject finds its
 * workload; autoscaled Deployments leave `replicas` to the autoscaler; a minAvailable budget leaves room to evict.
 */
export function wiringProblems(resources: readonly Resource[]): string[] {
  const problems: string[] = [];
  const workloads = workloadsOf(resources).filter((w) => w.selector !== undefined);
  for (const w of workloads) {
    const at = `${w.resource.where}: ${w.resource.kind} ${w.resource.name}`;
    if (!w.selector || !matches(w.selector, w.labels)) {
      problems.push(`${at}: spec.selector.matchLabels does not match the pod template's labels`);
    }
    for (const other of workloads) {
      if (other !== w && w.selector && matches(w.selector, other.labels)) {
        problems.push(
          `${at}: its selector also selects the pods of ${other.resource.kind} ${other.resource.name}`,
        );
      }
    }
  }
  for (const name of EXPECTED_SERVICES) {
    if (!resources.some((r) => r.kind === 'Service' && r.name === name))
      problems.push(`no Service named ${name}`);
  }
  for (const r of resources.filter((r) => r.kind === 'Service')) {
    const spec = (r.value as unknown as IService).spec;
    const selected = workloads.filter((w) => spec?.selector && matches(spec.selector, w.labels));
    if (selected.length !== 1) {
      problems.push(`${r.where}: Service ${r.name} selects ${selected.length} workloads, expected 1`);
      continue;
    }
    const ports = selected[0].pod.containers.flatMap((c) => c.ports ?? []);
    for (const p of spec?.ports ?? []) {
      const target = p.targetPort ?? p.port;
      const found = ports.some((cp) =>
        typeof target === 'string' ? cp.name === target : cp.containerPort === target,
      );
      if (!found)
        problems.push(
          `${r.where}: Service ${r.name} port ${p.port} targets '${target}', not a container port`,
        );
    }
  }
  const autoscaled = new Set<string>();
  for (const r of resources.filter(
    (r) => r.kind === 'HorizontalPodAutoscaler' || r.kind === 'ScaledObject',
  )) {
    const target =
      r.kind === 'ScaledObject'
        ? (r.value as unknown as IScaledObject).spec.scaleTargetRef.name
        : (r.value as unknown as IHorizontalPodAutoscaler).spec?.scaleTargetRef.name;
    const kind =
      r.kind === 'ScaledObject'
        ? ((r.value as unknown as IScaledObject).spec.scaleTargetRef.kind ?? 'Deployment')
        : (r.value as unknown as IHorizontalPodAutoscaler).spec?.scaleTargetRef.kind;
    if (!workloads.some((w) => w.resource.kind === kind && w.resource.name === target)) {
      problems.push(`${r.where}: ${r.kind} ${r.name} targets ${kind} ${target}, which does not exist`);
    }
    if (target) autoscaled.add(target);
  }
  for (const w of workloads) {
    if (autoscaled.has(w.resource.name) && w.replicas !== undefined) {
      problems.push(
        `${w.resource.where}: ${w.resource.name} is autoscaled but sets spec.replicas (every apply would reset it)`,
      );
    }
  }
  for (const r of resources.filter((r) => r.kind === 'PodDisruptionBudget')) {
    const spec = (r.value as unknown as IPodDisruptionBudget).spec;
    const selected = workloads.filter(
      (w) => spec?.selector?.matchLabels && matches(spec.selector.matchLabels, w.labels),
    );
    if (selected.length !== 1) {
      problems.push(
        `${r.where}: PodDisruptionBudget ${r.name} selects ${selected.length} workloads, expected 1`,
      );
      continue;
    }
    const min = spec?.minAvailable;
    if (typeof min === 'number' && min >= pdbMinReplicas(selected[0], resources)) {
      problems.push(
        `${r.where}: PodDisruptionBudget ${r.name}: minAvailable ${min} would block every node drain`,
      );
    }
  }
  return problems;
}

function containerEnv(c: IContainer): Map<string, string | undefined> {
  return new Map((c.env ?? []).map((e) => [e.name, e.value]));
}

/** GPU workers ask for one NVIDIA GPU, land on GPU nodes and compute on WebGPU; nothing else asks for a GPU. */
export function gpuProblems(resources: readonly Resource[]): string[] {
  const problems: string[] = [];
  for (const w of workloadsOf(resources)) {
    const at = `${w.resource.where}: ${w.resource.kind} ${w.resource.name}`;
    const gpu = GPU_WORKERS.has(w.resource.name);
    for (const c of w.pod.containers) {
      const limit = c.resources?.limits?.[GPU_RESOURCE];
      const request = c.resources?.requests?.[GPU_RESOURCE];
      if (!gpu) {
        if (limit !== undefined || request !== undefined) problems.push(`${at}: asks for ${GPU_RESOURCE}`);
        continue;
      }
      if (String(limit) !== '1')
        problems.push(`${at}: resources.limits['${GPU_RESOURCE}'] is ${limit}, expected 1`);
      if (request !== undefined && String(request) !== String(limit)) {
        problems.push(`${at}: ${GPU_RESOURCE} request ${request} differs from its limit ${limit}`);
      }
      if (containerEnv(c).get('GSDYN_DEVICE') !== 'webgpu')
        problems.push(`${at}: GSDYN_DEVICE is not webgpu`);
      if (!c.image?.endsWith('-gpu') && !c.image?.includes('-gpu:')) {
        problems.push(`${at}: image ${c.image} is not a -gpu image`);
      }
    }
    if (!gpu) continue;
    if (!Object.keys(w.pod.nodeSelector ?? {}).some((k) => k.startsWith('nvidia.com/'))) {
      problems.push(`${at}: no nodeSelector for GPU nodes`);
    }
    if (!(w.pod.tolerations ?? []).some((t) => t.key === GPU_RESOURCE && t.effect === 'NoSchedule')) {
      problems.push(`${at}: does not tolerate the ${GPU_RESOURCE}:NoSchedule taint of GPU nodes`);
    }
  }
  for (const name of GPU_WORKERS) {
    if (!resources.some((r) => r.kind === 'Deployment' && r.name === name))
      problems.push(`no Deployment ${name}`);
  }
  return problems;
}

/** The ConfigMap's data, by name. */
export function configMapsOf(resources: readonly Resource[]): Map<string, Record<string, string>> {
  return new Map(
    resources
      .filter((r) => r.kind === 'ConfigMap')
      .map((r) => [r.name, (r.value as unknown as IConfigMap).data ?? {}]),
  );
}

/** The keys of a Secret (data or stringData), by name. */
export function secretsOf(resources: readonly Resource[]): Map<string, Record<string, string>> {
  return new Map(
    resources
      .filter((r) => r.kind === 'Secret')
      .map((r) => {
        const s = r.value as unknown as ISecret;
        const decoded = Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        );
        return [r.name, { ...decoded, ...(s.stringData ?? {}) }];
      }),
  );
}

/**
 * KEDA scales each worker on its queue's BullMQ lists: `<GSDYN_QUEUE_PREFIX>:<queue>:wait` (jobs waiting) and
 * `:active` (jobs running, so that a busy pod is not scaled away), in the Redis that GSDYN_REDIS_URL names.
 */
export function kedaProblems(
  resources: readonly Resource[],
  config: Readonly<Record<string, string>>,
): string[] {
  const problems: string[] = [];
  const prefix = config.GSDYN_QUEUE_PREFIX;
  const redis = config.GSDYN_REDIS_URL ? new URL(config.GSDYN_REDIS_URL) : undefined;
  const address = redis ? `${redis.hostname}:${redis.port || '6379'}` : undefined;
  const concurrency = config.GSDYN_WORKER_CONCURRENCY ?? '1';
  const scaled = new Set<string>();
  for (const r of resources.filter((r) => r.kind === 'ScaledObject')) {
    const spec = (r.value as unknown as IScaledObject).spec;
    const worker = spec.scaleTargetRef.name;
    scaled.add(worker);
    const at = `${r.where}: ScaledObject ${r.name}`;
    const queues = WORKER_QUEUES.get(worker);
    if (!queues) {
      problems.push(`${at}: scales ${worker}, which consumes no known queue`);
      continue;
    }
    const expected = queues.flatMap((q) => [`${prefix}:${q}:wait`, `${prefix}:${q}:active`]);
    const lists = new Map<string, Readonly<Record<string, string>>>();
    for (const t of spec.triggers) {
      if (t.type !== 'redis') {
        problems.push(`${at}: trigger type ${t.type}, expected redis (a BullMQ list length)`);
        continue;
      }
      const list = t.metadata.listName;
      if (!expected.includes(list))
        problems.push(`${at}: listName '${list}' is not one of ${expected.join(', ')}`);
      if (t.metadata.address !== address) {
        problems.push(`${at}: address '${t.metadata.address}' is not GSDYN_REDIS_URL's ${address}`);
      }
      if (!/^[1-9]\d*$/.test(t.metadata.listLength ?? '')) {
        problems.push(`${at}: listLength '${t.metadata.listLength}' is not a positive integer`);
      }
      lists.set(list, t.metadata);
    }
    for (const q of queues) {
      if (!lists.has(`${prefix}:${q}:wait`)) problems.push(`${at}: no trigger on ${prefix}:${q}:wait`);
      const active = lists.get(`${prefix}:${q}:active`);
      if (!active)
        problems.push(`${at}: no trigger on ${prefix}:${q}:active (busy pods could be scaled away)`);
      else if (active.listLength !== concurrency) {
        problems.push(
          `${at}: active listLength ${active.listLength} is not GSDYN_WORKER_CONCURRENCY ${concurrency}`,
        );
      }
    }
    const min = spec.minReplicaCount ?? 0;
    if (spec.maxReplicaCount === undefined || spec.maxReplicaCount < Math.max(1, min)) {
      problems.push(`${at}: maxReplicaCount must be at least max(1, minReplicaCount)`);
    }
  }
  for (const worker of WORKER_QUEUES.keys()) {
    if (!scaled.has(worker)) problems.push(`no ScaledObject for the ${worker} worker`);
  }
  return problems;
}

/**
 * Every ConfigMap/Secret a container refers to exists and holds the keys it names; the gsdyn containers end up
 * with every variable the distributed mode needs, each one valid, secrets only from Secrets, and the API key
 * only in the gateway.
 */
export function envProblems(
  resources: readonly Resource[],
  configMaps: ReadonlyMap<string, Readonly<Record<string, string>>>,
  secrets: ReadonlyMap<string, Readonly<Record<string, string>>>,
): string[] {
  const problems: string[] = [];
  for (const [name, data] of configMaps) {
    for (const key of Object.keys(data)) {
      if (GSDYN_VARIABLES.get(key)?.secret)
        problems.push(`ConfigMap ${name}: ${key} is a secret; it belongs in a Secret`);
    }
  }
  for (const w of workloadsOf(resources)) {
    for (const c of w.pod.containers) {
      const at = `${w.resource.where}: ${w.resource.kind} ${w.resource.name}, container ${c.name}`;
      const env: Record<string, string> = {};
      for (const from of c.envFrom ?? []) {
        const ref = from.configMapRef?.name ?? from.secretRef?.name;
        const source = from.configMapRef ? configMaps.get(ref ?? '') : secrets.get(ref ?? '');
        if (!source) {
          problems.push(
            `${at}: envFrom ${from.configMapRef ? 'ConfigMap' : 'Secret'} '${ref}' does not exist`,
          );
          continue;
        }
        Object.assign(env, source);
      }
      for (const e of c.env ?? []) {
        const cm = e.valueFrom?.configMapKeyRef;
        const sk = e.valueFrom?.secretKeyRef;
        if (cm) {
          const value = configMaps.get(cm.name ?? '')?.[cm.key];
          if (value === undefined)
            problems.push(`${at}: env ${e.name} refers to missing ConfigMap key ${cm.name}/${cm.key}`);
          else env[e.name] = value;
        } else if (sk) {
          const value = secrets.get(sk.name ?? '')?.[sk.key];
          if (value === undefined)
            problems.push(`${at}: env ${e.name} refers to missing Secret key ${sk.name}/${sk.key}`);
          else env[e.name] = value;
        } else if (e.value !== undefined) {
          if (GSDYN_VARIABLES.get(e.name)?.secret)
            problems.push(`${at}: secret ${e.name} given as a literal value`);
          env[e.name] = e.value;
        }
      }
      const texts = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
      for (const m of texts.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        if (env[m[1]] === undefined)
          problems.push(`${at}: $(${m[1]}) in command/args is not in the environment`);
      }
      if (c.image?.startsWith('gsdyn/')) problems.push(...gsdynEnvProblems(env, at));
      if (env.GSDYN_BOOTSTRAP_API_KEY !== undefined && w.resource.name !== 'gateway') {
        problems.push(`${at}: sees GSDYN_BOOTSTRAP_API_KEY, which only the gateway needs`);
      }
    }
  }
  return problems;
}
