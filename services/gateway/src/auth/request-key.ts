import type { IncomingHttpHeaders } from 'node:http';

/**
 * The API key a request carries: `authorization: Bearer <key>`, `x-api-key: <key>`, or HTTP Basic with the key as
 * the password (what a browser prompt sends, for the queue dashboard).
 */
export function requestApiKey(headers: IncomingHttpHeaders): string | undefined {
  const direct = headers['x-api-key'];
  if (typeof direct === 'string' && direct.trim() !== '') return direct.trim();
  const auth = headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon >= 0 ? decoded.slice(colon + 1) : decoded;
    return password === '' ? undefined : password;
  }
  return undefined;
}
