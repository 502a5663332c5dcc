import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { IdSchema } from '@gsdyn/platform';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { callerOf, type GatewayContext, parseInput } from '../context.js';
import { HttpError, unauthorized } from '../http-error.js';
import { authenticate } from './authenticate.js';
import { ErrorResponse, openApiSchema } from './schemas.js';

const CreateKeySchema = z.object({ owner: IdSchema }).strict();
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** POST /v1/admin/api-keys (admin keys only: a new key for an owner, shown once). */
export function adminRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.post(
    '/v1/admin/api-keys',
    {
      schema: {
        summary: 'Create an API key for an owner (admin key only); the key is shown once',
        tags: ['admin'],
        body: openApiSchema(CreateKeySchema),
        response: {
          201: { type: 'object', properties: { owner: { type: 'string' }, apiKey: { type: 'string' } } },
          403: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      if (!callerOf(request).admin) throw new HttpError(403, 'forbidden', 'an admin API key is required');
      const { owner } = parseInput(CreateKeySchema, request.body, 'request');
      const apiKey = await ctx.keys.create(owner);
      return reply.code(201).send({ owner, apiKey });
    },
  );
}

/**
 * bull-board at /admin/queues, for admin keys only (the browser sends the key as the password of an HTTP Basic
 * prompt, or a client sends it as usual). Not mounted at all when there is no admin key.
 */
export async function queueDashboard(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      try {
        if ((await authenticate(ctx, request)).admin) return;
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
      }
      reply.header('www-authenticate', 'Basic realm="gsdyn queues", charset="UTF-8"');
      throw unauthorized('the queue dashboard needs an admin API key (as the password of the prompt)');
    });
    const adapter = new FastifyAdapter();
    createBullBoard({
      queues: ctx.runtime.allQueues().map((q) => new BullMQAdapter(q)),
      serverAdapter: adapter,
    });
    adapter.setBasePath(QUEUE_DASHBOARD_PATH);
    await scope.register(adapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}
