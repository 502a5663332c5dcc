/**
 * Where JSON.parse failed, as 1-based line and column. V8 reports a position for some errors and only a
 * snippet for others ("Unexpected token '}', ... is not valid JSON"), so when it gives none we find the
 * shortest failing prefix by bisection: every shorter prefix fails only because the text ends early.
 */
export function jsonErrorLocation(text: string, error: Error): { line: number; column: number } | undefined {
  const match = /at position (\d+)/.exec(error.message);
  let position = match ? Number(match[1]) : findErrorOffset(text);
  if (position === undefined) return undefined;
  position = Math.min(position, text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  return { line, column: position - lineStart + 1 };
}

function failsInside(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (err) {
    const message = (err as Error).message;
    if (/end of JSON input|Unterminated string/.test(message)) return false;
    const at = /at position (\d+)/.exec(message);
    return !(at && Number(at[1]) >= prefix.length);
  }
}

function findErrorOffset(text: string): number | undefined {
  if (!failsInside(text)) return undefined;
  let lo = 0; // failsInside(text.slice(0, lo)) is false
  let hi = text.length; // failsInside(text.slice(0, hi)) is true
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (failsInside(text.slice(0, mid))) hi = mid;
    else lo = mid;
  }
  return hi - 1;
}
