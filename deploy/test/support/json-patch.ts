// A small RFC 6902 JSON Patch (add, remove, replace, test), enough to apply the dev overlay's patches to the
// base manifests offline and check that every path they name exists.
import { isDeepStrictEqual } from 'node:util';
import { isRecord } from './yaml-documents.js';

export interface PatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'test';
  readonly path: string;
  readonly value?: unknown;
}

export function parsePatch(value: unknown, where: string): PatchOperation[] {
  if (!Array.isArray(value)) throw new Error(`${where}: a JSON patch is a list of operations`);
  return value.map((op, i) => {
    if (
      !isRecord(op) ||
      typeof op.path !== 'string' ||
      !['add', 'remove', 'replace', 'test'].includes(String(op.op))
    ) {
      throw new Error(`${where}: operation ${i} needs op (add, remove, replace or test) and path`);
    }
    if (op.op !== 'remove' && !('value' in op))
      throw new Error(`${where}: operation ${i} (${op.op}) needs a value`);
    return { op: op.op as PatchOperation['op'], path: op.path, value: op.value };
  });
}

function tokens(path: string): string[] {
  if (!path.startsWith('/')) throw new Error(`JSON pointer '${path}' does not start with /`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Applies the operations to a deep copy of `document`; throws naming the operation that cannot apply. */
export function applyPatch(document: unknown, operations: readonly PatchOperation[]): unknown {
  const root: unknown = structuredClone(document);
  for (const [i, operation] of operations.entries()) {
    const path = tokens(operation.path);
    const last = path.pop();
    if (last === undefined) throw new Error(`operation ${i}: empty path`);
    let parent: unknown = root;
    for (const t of path) {
      parent = Array.isArray(parent) ? parent[Number(t)] : isRecord(parent) ? parent[t] : undefined;
      if (parent === undefined)
        throw new Error(`operation ${i} (${operation.op} ${operation.path}): no such path`);
    }
    const fail = (why: string) => new Error(`operation ${i} (${operation.op} ${operation.path}): ${why}`);
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length) throw fail('index out of range');
      const exists = index < parent.length;
      if (operation.op === 'add') parent.splice(index, 0, structuredClone(operation.value));
      else if (!exists) throw fail('no such element');
      else if (operation.op === 'remove') parent.splice(index, 1);
      else if (operation.op === 'replace') parent[index] = structuredClone(operation.value);
      else if (!isDeepStrictEqual(parent[index], operation.value)) throw fail('test failed');
    } else if (isRecord(parent)) {
      const exists = Object.hasOwn(parent, last);
      if (operation.op === 'add') parent[last] = structuredClone(operation.value);
      else if (!exists) throw fail('no such member');
      else if (operation.op === 'remove') delete parent[last];
      else if (operation.op === 'replace') parent[last] = structuredClone(operation.value);
      else if (!isDeepStrictEqual(parent[last], operation.value)) throw fail('test failed');
    } else {
      throw fail('the parent is not an object or a list');
    }
  }
  return root;
}
