// Enough of kustomize to check this repository's overlays offline (no kustomize or kubectl here): resources
// (files and directories), secretGenerator literals, and JSON 6902 patches with kind/name/labelSelector
// targets. Anything else in a kustomization.yaml is refused, so a new feature cannot slip past the tests.
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { applyPatch, parsePatch } from './json-patch.js';
import { type Resource, resourcesOf } from './k8s-checks.js';
import { isRecord, REPO_ROOT, readYamlDocuments, type YamlDocument } from './yaml-documents.js';

export const KUSTOMIZATION = 'kustomization.yaml';
const KNOWN_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'images',
  'patches',
  'secretGenerator',
  'generatorOptions',
]);

export interface PatchTarget {
  readonly kind?: string;
  /** An anchored regular expression, as in kustomize. */
  readonly name?: string;
  /** `key=value[,key=value]`. */
  readonly labelSelector?: string;
}

export interface Kustomization {
  readonly dir: string;
  readonly namespace: string | undefined;
  readonly resources: readonly string[];
  readonly patches: readonly { readonly path: string; readonly target: PatchTarget }[];
  readonly secretLiterals: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly images: readonly { readonly name: string; readonly newName?: string; readonly newTag?: string }[];
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

export function readKustomization(dir: string): Kustomization {
  const file = join(dir, KUSTOMIZATION);
  const where = relative(REPO_ROOT, file);
  const docs = readYamlDocuments(file);
  const k = docs[0]?.value;
  if (docs.length !== 1 || !isRecord(k)) throw new Error(`${where}: expected one mapping`);
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') {
    throw new Error(`${where}: expected apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization`);
  }
  for (const key of Object.keys(k)) {
    if (!KNOWN_FIELDS.has(key)) throw new Error(`${where}: field '${key}' is not understood by deploy/test`);
  }
  if (!strings(k.resources)) throw new Error(`${where}: resources must be a list of paths`);
  const patches = (Array.isArray(k.patches) ? k.patches : []).map((p, i) => {
    if (!isRecord(p) || typeof p.path !== 'string' || !isRecord(p.target)) {
      throw new Error(
        `${where}: patches[${i}] needs path and target (only JSON 6902 patch files are used here)`,
      );
    }
    const t = p.target;
    const target: PatchTarget = {
      kind: typeof t.kind === 'string' ? t.kind : undefined,
      name: typeof t.name === 'string' ? t.name : undefined,
      labelSelector: typeof t.labelSelector === 'string' ? t.labelSelector : undefined,
    };
    return { path: p.path, target };
  });
  const secretLiterals = new Map<string, Record<string, string>>();
  for (const [i, g] of (Array.isArray(k.secretGenerator) ? k.secretGenerator : []).entries()) {
    if (!isRecord(g) || typeof g.name !== 'string' || !strings(g.literals)) {
      throw new Error(`${where}: secretGenerator[${i}] needs name and literals`);
    }
    const data: Record<string, string> = {};
    for (const literal of g.literals) {
      const eq = literal.indexOf('=');
      if (eq <= 0) throw new Error(`${where}: secretGenerator ${g.name}: '${literal}' is not KEY=value`);
      data[literal.slice(0, eq)] = literal.slice(eq + 1);
    }
    secretLiterals.set(g.name, data);
  }
  const images = (Array.isArray(k.images) ? k.images : []).map((img, i) => {
    if (!isRecord(img) || typeof img.name !== 'string')
      throw new Error(`${where}: images[${i}] needs a name`);
    return {
      name: img.name,
      newName: typeof img.newName === 'string' ? img.newName : undefined,
      newTag: typeof img.newTag === 'string' ? img.newTag : undefined,
    };
  });
  return {
    dir,
    namespace: typeof k.namespace === 'string' ? k.namespace : undefined,
    resources: k.resources,
    patches,
    secretLiterals,
    images,
  };
}

function targets(r: Resource, t: PatchTarget): boolean {
  if (t.kind !== undefined && r.kind !== t.kind) return false;
  if (t.name !== undefined && !new RegExp(`^(?:${t.name})$`).test(r.name)) return false;
  if (t.labelSelector !== undefined) {
    const metadata = isRecord(r.value.metadata) ? r.value.metadata : {};
    const labels = isRecord(metadata.labels) ? metadata.labels : {};
    for (const pair of t.labelSelector.split(',')) {
      const [key, value] = pair.split('=');
      if (labels[key.trim()] !== value?.trim()) return false;
    }
  }
  return true;
}

/** The documents a kustomization produces (patches applied, generated Secrets included); throws on any fault. */
export function buildKustomization(dir: string): YamlDocument[] {
  const k = readKustomization(dir);
  const docs: YamlDocument[] = [];
  for (const entry of k.resources) {
    const path = join(dir, entry);
    if (!existsSync(path))
      throw new Error(`${relative(REPO_ROOT, dir)}/${KUSTOMIZATION}: resource ${entry} does not exist`);
    docs.push(...(statSync(path).isDirectory() ? buildKustomization(path) : readYamlDocuments(path)));
  }
  for (const [name, data] of k.secretLiterals) {
    docs.push({
      file: join(dir, KUSTOMIZATION),
      index: 0,
      where: `${relative(REPO_ROOT, dir)}/${KUSTOMIZATION} secretGenerator ${name}`,
      value: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', stringData: data },
      usesAnchors: false,
    });
  }
  for (const patch of k.patches) {
    const file = join(dir, patch.path);
    const patchDocs = readYamlDocuments(file);
    const operations = parsePatch(patchDocs[0]?.value, relative(REPO_ROOT, file));
    let applied = 0;
    for (const [i, doc] of docs.entries()) {
      const [resource] = resourcesOf([doc]);
      if (!resource || !targets(resource, patch.target)) continue;
      try {
        docs[i] = { ...doc, value: applyPatch(doc.value, operations), where: `${doc.where} (patched)` };
      } catch (error) {
        throw new Error(
          `${relative(REPO_ROOT, file)} on ${resource.kind} ${resource.name}: ${(error as Error).message}`,
        );
      }
      applied += 1;
    }
    if (applied === 0) throw new Error(`${relative(REPO_ROOT, file)}: its target matches no resource`);
  }
  return docs;
}
