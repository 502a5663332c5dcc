import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const READY_TIMEOUT_MS = 2000;

/** /healthz (the process answers), /readyz (Redis answers PING, the store answers), /metrics (Prometheus). */
export function opsRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness: the process answers', tags: ['operations'] } },
    async () => ({
      status: 'ok',
    }),
  );

  app.get(
    '/readyz',
    { schema: { summary: 'Readiness: Redis and the artifact store answer', tags: ['operations'] } },
    async (_request, reply) => {
      const check = async (what: string, run: () => Promise<unknown>) => {
        try {
          await withTimeout(run(), READY_TIMEOUT_MS, what);
          return { ok: true };
        } catch (error) {
          return { ok: false, error: (error as Error).message };
        }
      };
      const [redis, store] = await Promise.all([
        check('redis', () => ctx.redis.ping()),
        check('store', () => ctx.store.head('gateway/readiness-probe')),
      ]);
      const accepting = ctx.accepting();
      const ready = redis.ok && store.ok && accepting;
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not ready', checks: { redis, store, accepting } });
    },
  );

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (HTTP latency, queue depths, process)', tags: ['operations'] } },
    async (_request, reply) =>
      reply.header('content-type', ctx.metrics.contentType).send(await ctx.metrics.text()),
  );
}
