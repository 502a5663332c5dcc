import { unprocessable } from '../http-error.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The safe relative path of an archive entry ("/"-separated, no "." segments), or undefined for the archive's
 * own root ("./"). Refuses absolute paths, drive letters, backslashes, control characters and ".." segments:
 * nothing an archive holds may land outside the extraction directory.
 */
export function safeEntryPath(name: string): string | undefined {
  const refuse = (why: string) => unprocessable(`archive entry ${JSON.stringify(name)}: ${why}`);
  if (name.length === 0) throw refuse('empty name');
  if (CONTROL.test(name)) throw refuse('control characters in the name');
  if (name.includes('\\')) throw refuse('backslashes are not allowed (use "/")');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw refuse('absolute paths are not allowed');
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw refuse('".." segments are not allowed (the path would escape)');
  if (segments.length === 0) return undefined;
  return segments.join('/');
}
