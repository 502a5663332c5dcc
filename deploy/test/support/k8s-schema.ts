// Schema validation of Kubernetes and KEDA documents with kubernetes-models. These validators check types,
// required fields and enums, but do NOT report unknown fields (stack-findings.md): k8s-checks.ts adds the
// checks that matter to this project on top.
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { isRecord } from './yaml-documents.js';

type Validator = (data: Record<string, unknown>) => void;

// The models' constructors take their own typed shapes; the documents are untyped until validate() has passed,
// which is exactly what these casts hand over to it.
const VALIDATORS: ReadonlyMap<string, Validator> = new Map<string, Validator>([
  ['v1/Namespace', (d) => new Namespace(d as never).validate()],
  ['v1/ConfigMap', (d) => new ConfigMap(d as never).validate()],
  ['v1/Secret', (d) => new Secret(d as never).validate()],
  ['v1/Service', (d) => new Service(d as never).validate()],
  ['v1/PersistentVolumeClaim', (d) => new PersistentVolumeClaim(d as never).validate()],
  ['apps/v1/Deployment', (d) => new Deployment(d as never).validate()],
  ['apps/v1/StatefulSet', (d) => new StatefulSet(d as never).validate()],
  ['batch/v1/Job', (d) => new Job(d as never).validate()],
  ['autoscaling/v2/HorizontalPodAutoscaler', (d) => new HorizontalPodAutoscaler(d as never).validate()],
  ['policy/v1/PodDisruptionBudget', (d) => new PodDisruptionBudget(d as never).validate()],
  ['networking.k8s.io/v1/Ingress', (d) => new Ingress(d as never).validate()],
  ['keda.sh/v1alpha1/ScaledObject', (d) => new ScaledObject(d as never).validate()],
]);

/** `apiVersion/kind` of a document, or undefined when it has neither. */
export function typeOf(value: unknown): string | undefined {
  if (!isRecord(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string')
    return undefined;
  return `${value.apiVersion}/${value.kind}`;
}

/** The schema problem of one document (`where` names it), or undefined when it is valid. */
export function schemaProblem(value: unknown, where: string): string | undefined {
  const type = typeOf(value);
  if (type === undefined || !isRecord(value))
    return `${where}: not a Kubernetes object (apiVersion and kind)`;
  const validate = VALIDATORS.get(type);
  if (!validate)
    return `${where}: no schema for ${type} (add its model to deploy/test/support/k8s-schema.ts)`;
  const metadata = value.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    return `${where}: ${type} without metadata.name`;
  }
  try {
    validate(value);
    return undefined;
  } catch (error) {
    return `${where}: ${type} ${metadata.name}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
