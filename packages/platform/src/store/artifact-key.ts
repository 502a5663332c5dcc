import { createHash } from 'node:crypto';

/** The fs store keeps its temporary files under this first segment; keys cannot start with it. */
export const RESERVED_KEY_SEGMENT = '.gsdyn-tmp';

const MAX_KEY_BYTES = 1024;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string') return 'expected a string';
  if (key.length === 0) return 'expected a non-empty key';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `expected at most ${MAX_KEY_BYTES} bytes`;
  if (FORBIDDEN.test(key)) return 'expected no control characters and no backslashes';
  if (key.startsWith('/') || key.endsWith('/')) return 'expected no leading or trailing "/"';
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..'))
    return 'expected "/"-separated segments, none empty, "." or ".."';
  if (segments[0] === RESERVED_KEY_SEGMENT)
    return `expected a first segment other than ${RESERVED_KEY_SEGMENT}`;
  return undefined;
}

/** True for a key both stores accept: relative "/"-separated segments, no "." / ".." / empty segments. */
export function isArtifactKey(key: string): boolean {
  return keyProblem(key) === undefined;
}

/** Returns the key, or throws a RangeError naming it and the rule it breaks. */
export function assertArtifactKey(key: string, what = 'artifact key'): string {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new RangeError(`${what} ${JSON.stringify(key)}: ${problem}`);
  return key;
}

/** A list prefix: "" (everything), a key, or a key followed by "/". */
export function assertArtifactPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  assertArtifactKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, 'artifact prefix');
  return prefix;
}

/** Joins key parts with "/" (stray slashes at the joins are dropped) and validates the result. */
export function joinKey(...parts: string[]): string {
  const joined = parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p !== '')
    .join('/');
  return assertArtifactKey(joined);
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The content-addressed key of some bytes: `<prefix>/sha256/<hex><extension>`. A retried upload of the same bytes
 * lands on the same key, so a retry can skip it and never leaves two copies.
 */
export function contentKey(prefix: string, sha256: string, extension = ''): string {
  if (!/^[0-9a-f]{64}$/.test(sha256))
    throw new RangeError(`sha256 ${JSON.stringify(sha256)}: expected 64 hex digits`);
  if (extension !== '' && !/^\.[A-Za-z0-9.]{1,16}$/.test(extension))
    throw new RangeError(
      `extension ${JSON.stringify(extension)}: expected "." and 1 to 16 letters or digits`,
    );
  return joinKey(prefix, 'sha256', `${sha256}${extension}`);
}
