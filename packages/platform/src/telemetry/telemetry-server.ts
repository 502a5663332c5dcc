import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { PlatformMetrics } from './metrics.js';

export interface TelemetryServerOptions {
  metrics: PlatformMetrics;
  /** 0: any free port. */
  port: number;
  host?: string;
  /** Readiness (e.g. Redis and the store reachable); /readyz answers 503 while false. Default: always ready. */
  ready?: () => boolean | Promise<boolean>;
  logger?: Logger;
}

export interface TelemetryServer {
  readonly port: number;
  /** `http://<host>:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The small HTTP server of a worker process: `GET /metrics` (Prometheus), `/healthz` (the process is up: liveness)
 * and `/readyz` (it can take jobs: readiness).
 */
export async function startTelemetryServer(options: TelemetryServerOptions): Promise<TelemetryServer> {
  const host = options.host ?? '0.0.0.0';
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      } else if (path === '/metrics') {
        const body = await options.metrics.text();
        res.writeHead(200, { 'Content-Type': options.metrics.contentType }).end(body);
      } else if (path === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      } else if (path === '/readyz') {
        const ready = options.ready ? await options.ready() : true;
        res
          .writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' })
          .end(ready ? 'ready\n' : 'not ready\n');
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      }
    } catch (error) {
      options.logger?.error({ err: error, path }, 'telemetry request failed');
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('error\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    port,
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
