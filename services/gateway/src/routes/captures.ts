import { captureArtifactPrefix, readArtifactManifest } from '@gsdyn/platform';
import type { FastifyInstance } from 'fastify';
import { callerOf, type GatewayContext, parseInput } from '../context.js';
import { badRequest, notFound } from '../http-error.js';
import { gatewayKey } from '../redis-client.js';
import { receiveCapture } from '../upload/receive-capture.js';
import { CaptureIdParamsSchema, ErrorResponse, ListQuerySchema, openApiSchema } from './schemas.js';

const captureIndex = (ctx: GatewayContext, owner: string) =>
  gatewayKey(ctx.runtime.settings.prefix, 'captures', owner);

/** POST /v1/captures, GET /v1/captures, GET /v1/captures/:id. */
export function captureRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.post(
    '/v1/captures',
    {
      schema: {
        summary: 'Upload a capture',
        description:
          'Multipart field `file`: a .tar, .tar.gz or .zip of an episode directory in the gsdyn format, or of a gs-dynamics raw episode (converted on arrival). Validated before it is stored.',
        tags: ['captures'],
        consumes: ['multipart/form-data'],
        body: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', format: 'binary' } },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              captureId: { type: 'string' },
              source: { type: 'string' },
              files: { type: 'integer' },
              bytes: { type: 'integer' },
              warnings: { type: 'array', items: { type: 'string' } },
            },
          },
          400: ErrorResponse,
          413: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      if (!request.isMultipart())
        throw badRequest('expected a multipart/form-data body with the archive in the field "file"');
      const part = await request.file();
      if (part === undefined)
        throw badRequest('no file in the upload: expected the archive in the field "file"');
      if (part.fieldname !== 'file') {
        part.file.resume();
        throw badRequest(
          `unexpected file field ${JSON.stringify(part.fieldname)}: expected the archive in "file"`,
        );
      }
      const stored = await receiveCapture(part.file, {
        store: ctx.store,
        owner: caller.owner,
        limits: ctx.limits,
        tempRoot: ctx.tempRoot,
        filename: part.filename,
      });
      await ctx.redis.zadd(captureIndex(ctx, caller.owner), Date.now(), stored.captureId);
      request.log.info(
        { captureId: stored.captureId, owner: caller.owner, files: stored.files, bytes: stored.bytes },
        'capture stored',
      );
      return reply.code(201).header('location', `/v1/captures/${stored.captureId}`).send({
        captureId: stored.captureId,
        source: stored.source,
        files: stored.files,
        bytes: stored.bytes,
        warnings: stored.warnings,
      });
    },
  );

  app.get(
    '/v1/captures',
    {
      schema: {
        summary: "The caller's captures, newest first",
        tags: ['captures'],
        querystring: openApiSchema(ListQuerySchema),
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { limit } = parseInput(ListQuerySchema, request.query, 'query');
      const ids = await ctx.redis.zrevrange(captureIndex(ctx, caller.owner), 0, limit - 1);
      return { captures: ids.map((captureId) => ({ captureId, artifacts: `captures/${captureId}` })) };
    },
  );

  app.get(
    '/v1/captures/:id',
    {
      schema: {
        summary: 'One capture: its files and upload details',
        tags: ['captures'],
        params: openApiSchema(CaptureIdParamsSchema),
        response: { 404: ErrorResponse },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const parsed = CaptureIdParamsSchema.safeParse(request.params);
      if (!parsed.success) throw notFound('capture');
      const { id } = parsed.data;
      const manifest = await readArtifactManifest(ctx.store, captureArtifactPrefix(caller.owner, id));
      if (manifest === undefined) throw notFound(`capture ${id}`);
      return {
        captureId: id,
        createdAt: manifest.createdAt,
        meta: manifest.meta ?? {},
        files: manifest.files.length,
        bytes: manifest.files.reduce((s, f) => s + f.size, 0),
        artifacts: `captures/${id}`,
      };
    },
  );
}
