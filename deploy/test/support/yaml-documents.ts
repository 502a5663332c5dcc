import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isAlias, isNode, parseAllDocuments, visit } from 'yaml';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;

/** One YAML document of a file; `where` names it in messages (`deploy/k8s/gateway.yaml#2`). */
export interface YamlDocument {
  readonly file: string;
  readonly index: number;
  readonly where: string;
  readonly value: unknown;
  /** Whether the document defines or uses anchors (`&a`, `*a`): kustomize does not expand them reliably. */
  readonly usesAnchors: boolean;
}

/** Every non-empty document of a YAML file; throws with the file, document and parser message on a syntax error. */
export function readYamlDocuments(file: string, options: { merge?: boolean } = {}): YamlDocument[] {
  const text = readFileSync(file, 'utf8');
  const shown = relative(REPO_ROOT, file);
  const out: YamlDocument[] = [];
  parseAllDocuments(text, { merge: options.merge ?? false }).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      throw new Error(`${shown}#${index + 1}: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    let usesAnchors = false;
    visit(doc, (_key, node) => {
      if (isAlias(node) || (isNode(node) && node.anchor)) usesAnchors = true;
    });
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    out.push({ file, index, where: `${shown}#${index + 1}`, value, usesAnchors });
  });
  return out;
}

/** The YAML files directly inside a directory, sorted. */
export function yamlFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
