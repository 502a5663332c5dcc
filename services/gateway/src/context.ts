import type { ArtifactStore, Logger, PlatformMetrics, QueueRuntime } from '@gsdyn/platform';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ApiKeyOwner, ApiKeyStore } from './auth/api-keys.js';
import { badRequest } from './http-error.js';
import type { PipelineRegistry } from './pipelines/pipeline-registry.js';
import type { GatewayRedis } from './redis-client.js';
import type { UploadLimits } from './upload/limits.js';

/** What every route of the gateway uses. */
export interface GatewayContext {
  runtime: QueueRuntime;
  store: ArtifactStore;
  redis: GatewayRedis;
  keys: ApiKeyStore;
  pipelines: PipelineRegistry;
  metrics: PlatformMetrics;
  limits: UploadLimits;
  tempRoot: string;
  logger: Logger | undefined;
  /** Whether an admin (bootstrap) key exists: the queue dashboard is mounted only then. */
  hasAdminKey: boolean;
  /** False once shutdown began: /readyz answers 503 so load balancers stop sending requests. */
  accepting: () => boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The owner of the request's API key (set by the /v1 authentication hook). */
    caller: ApiKeyOwner | null;
  }
}

/** The authenticated caller (routes under /v1 only run after the authentication hook). */
export function callerOf(request: FastifyRequest): ApiKeyOwner {
  if (request.caller === null) throw new Error('route reached without authentication');
  return request.caller;
}

/** Parses request input with zod; a 400 lists every field that failed and what was expected. */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  throw badRequest(
    `invalid ${what}`,
    r.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(root)', message: i.message })),
  );
}
