import {
  createLogger,
  createMetrics,
  createQueueRuntime,
  onShutdown,
  openArtifactStore,
  type PlatformConfig,
  queueSettingsFromConfig,
  redactConfig,
} from '@gsdyn/platform';
import type { FastifyInstance } from 'fastify';
import { buildGateway, type GatewayDeps } from './gateway.js';

export interface StartGatewayOptions {
  /** Register SIGTERM/SIGINT handling through the platform's onShutdown (default true; tests pass false). */
  handleSignals?: boolean;
  /** Applied over the configuration's upload limits (GSDYN_UPLOAD_*). */
  limits?: GatewayDeps['limits'];
  tempDir?: string;
}

export interface RunningGateway {
  app: FastifyInstance;
  /** `http://<host>:<port>` (127.0.0.1 when listening on every address). */
  url: string;
  port: number;
  /** Stops accepting, waits for requests in flight, closes the queues. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the gateway from a configuration: opens the store and the queues, creates the bootstrap key, listens on
 * GSDYN_GATEWAY_HOST:GSDYN_GATEWAY_PORT, and stops gracefully on SIGTERM (readiness fails first, then the server
 * drains its requests, then the queue connections close).
 */
export async function startGateway(
  config: PlatformConfig,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const logger = createLogger(config, 'gateway');
  logger.info({ config: redactConfig(config) }, 'starting gateway');
  const store = await openArtifactStore(config.store);
  const runtime = createQueueRuntime(queueSettingsFromConfig(config), logger);
  let accepting = true;
  let app: FastifyInstance;
  try {
    app = await buildGateway({
      runtime,
      store,
      metrics: createMetrics({ defaultLabels: { service: 'gateway' } }),
      logger,
      bootstrapApiKey: config.gateway.bootstrapApiKey,
      accepting: () => accepting,
      limits: { ...config.gateway.uploadLimits, ...options.limits },
      ...(options.tempDir ? { tempDir: options.tempDir } : {}),
    });
    await app.listen({ host: config.gateway.host, port: config.gateway.port });
  } catch (error) {
    await runtime.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.gateway.port;
  const host =
    config.gateway.host === '0.0.0.0' || config.gateway.host === '::' ? '127.0.0.1' : config.gateway.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      accepting = false;
      try {
        await app.close();
      } finally {
        await runtime.close();
      }
    })();
    return closing;
  };
  if (options.handleSignals ?? true) onShutdown(close, { logger });
  logger.info({ url }, 'gateway listening');
  return { app, url, port, close };
}
