import { tmpdir } from 'node:os';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  type ArtifactStore,
  createMetrics,
  type Logger,
  type PlatformMetrics,
  type QueueRuntime,
} from '@gsdyn/platform';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { ApiKeyStore } from './auth/api-keys.js';
import type { GatewayContext } from './context.js';
import { HttpError } from './http-error.js';
import { PipelineRegistry } from './pipelines/pipeline-registry.js';
import { openGatewayRedis } from './redis-client.js';
import { adminRoutes, QUEUE_DASHBOARD_PATH, queueDashboard } from './routes/admin.js';
import { artifactRoutes } from './routes/artifacts.js';
import { authenticate } from './routes/authenticate.js';
import { captureRoutes } from './routes/captures.js';
import { opsRoutes } from './routes/ops.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { statusPageRoutes } from './routes/status-page.js';
import { resolveUploadLimits, type UploadLimits } from './upload/limits.js';

export interface GatewayDeps {
  runtime: QueueRuntime;
  store: ArtifactStore;
  /** Default: a registry of its own. */
  metrics?: PlatformMetrics;
  /** Request logs go here (default: none). */
  logger?: Logger;
  /** Created (hashed) at start-up as an admin key of `bootstrapOwner`; enables /admin/queues. */
  bootstrapApiKey?: string;
  /** Owner of the bootstrap key (default `admin`). */
  bootstrapOwner?: string;
  /** Upload limits that differ from DEFAULT_UPLOAD_LIMITS (the defaults of the GSDYN_UPLOAD_* variables). */
  limits?: Partial<UploadLimits>;
  /** Where uploads are staged while checked (default: the OS temporary directory). */
  tempDir?: string;
  /** /readyz answers 503 once this returns false (shutdown). Default: always accepting. */
  accepting?: () => boolean;
}

const REDIS_DOWN =
  /Stream isn't writeable|Connection is closed|ECONNREFUSED|enableOfflineQueue|ETIMEDOUT|MaxRetriesPerRequest/i;

/**
 * The gateway as a fastify instance, ready to `listen` or `inject` (not listening): every route, the API-key
 * authentication of /v1, OpenAPI at /docs, bull-board at /admin/queues (with an admin key), metrics. The caller owns
 * `runtime` and `store` (closing the app does not close them).
 */
export async function buildGateway(deps: GatewayDeps): Promise<FastifyInstance> {
  const limits = resolveUploadLimits(deps.limits);
  const redis = await openGatewayRedis(deps.runtime);
  await deps.runtime.flowProducer().waitUntilReady();
  const prefix = deps.runtime.settings.prefix;
  const keys = new ApiKeyStore(redis, prefix);
  const bootstrapOwner = deps.bootstrapOwner ?? 'admin';
  if (deps.bootstrapApiKey !== undefined)
    await keys.create(bootstrapOwner, { key: deps.bootstrapApiKey, admin: true });
  const metrics = deps.metrics ?? createMetrics({ defaultLabels: { service: 'gateway' } });
  metrics.trackQueues(deps.runtime.allQueues());

  const ctx: GatewayContext = {
    runtime: deps.runtime,
    store: deps.store,
    redis,
    keys,
    pipelines: new PipelineRegistry(redis, prefix),
    metrics,
    limits,
    tempRoot: deps.tempDir ?? tmpdir(),
    logger: deps.logger,
    hasAdminKey: deps.bootstrapApiKey !== undefined,
    accepting: deps.accepting ?? (() => true),
  };

  const app: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    // Uploads are streamed by @fastify/multipart; JSON bodies are small.
    bodyLimit: 1024 * 1024,
  });
  // Route schemas document the API (OpenAPI); inputs are validated with zod in the handlers, outputs are sent as is.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('caller', null);

  app.addHook('onResponse', async (request, reply) => {
    metrics.observeHttpRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });

  app.setErrorHandler((error: FastifyError | HttpError | Error, request, reply) => {
    if (error instanceof HttpError)
      return reply.code(error.statusCode).send({
        error: error.code,
        message: error.message,
        ...(error.problems ? { problems: error.problems } : {}),
      });
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return reply
        .code(status)
        .send({ error: (error as FastifyError).code ?? 'bad_request', message: error.message });
    if (REDIS_DOWN.test(error.message)) {
      request.log.warn({ err: error }, 'redis unavailable');
      return reply
        .code(503)
        .send({ error: 'unavailable', message: 'the job queue (Redis) is unavailable; retry later' });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });

  await app.register(multipart, {
    limits: { fileSize: limits.maxUploadBytes, files: 1, fields: 16, parts: 32, fieldSize: 64 * 1024 },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'gsdyn gateway',
        version: '0.1.0',
        description: 'Upload captures, run track -> train pipelines, follow jobs, download artifacts.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    transform: ({ schema, url }) => ({
      schema:
        url.startsWith(QUEUE_DASHBOARD_PATH) || url.startsWith('/docs') ? { ...schema, hide: true } : schema,
      url,
    }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  opsRoutes(app, ctx);
  statusPageRoutes(app, ctx);
  await app.register(async (v1) => {
    v1.addHook('onRequest', async (request) => {
      await authenticate(ctx, request);
    });
    captureRoutes(v1, ctx);
    pipelineRoutes(v1, ctx);
    artifactRoutes(v1, ctx);
    adminRoutes(v1, ctx);
  });
  if (ctx.hasAdminKey) await queueDashboard(app, ctx);
  return app;
}
