import type { FastifyRequest } from 'fastify';
import type { ApiKeyOwner } from '../auth/api-keys.js';
import { requestApiKey } from '../auth/request-key.js';
import type { GatewayContext } from '../context.js';
import { unauthorized } from '../http-error.js';

/** Resolves the request's API key to its owner, or throws 401 (missing or unknown key: the same answer). */
export async function authenticate(ctx: GatewayContext, request: FastifyRequest): Promise<ApiKeyOwner> {
  const key = requestApiKey(request.headers);
  if (key === undefined)
    throw unauthorized('missing API key: send "authorization: Bearer <key>" or "x-api-key: <key>"');
  const owner = await ctx.keys.lookup(key);
  if (owner === undefined) throw unauthorized('invalid API key');
  request.caller = owner;
  return owner;
}
