import { randomUUID } from 'node:crypto';
import {
  addPipelineFlow,
  captureArtifactPrefix,
  InvalidInputError,
  isArtifactComplete,
  pipelineJobId,
} from '@gsdyn/platform';
import type { FastifyInstance } from 'fastify';
import { callerOf, type GatewayContext, parseInput } from '../context.js';
import { badRequest, HttpError, notFound } from '../http-error.js';
import type { PipelineRecord } from '../pipelines/pipeline-registry.js';
import { pipelineStatus } from '../pipelines/pipeline-status.js';
import {
  ErrorResponse,
  JobIdParamsSchema,
  ListQuerySchema,
  openApiSchema,
  PipelineRequestSchema,
  PipelineStatusResponse,
} from './schemas.js';

/** POST /v1/pipelines, GET /v1/jobs, GET /v1/jobs/:id. */
export function pipelineRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.post(
    '/v1/pipelines',
    {
      schema: {
        summary: 'Start a pipeline: track each capture, then train on all of them',
        tags: ['pipelines'],
        body: openApiSchema(PipelineRequestSchema),
        response: {
          201: { type: 'object', properties: { jobId: { type: 'string' }, state: { type: 'string' } } },
          400: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const body = parseInput(PipelineRequestSchema, request.body, 'pipeline request');
      const present = await Promise.all(
        body.captureIds.map((id) => isArtifactComplete(ctx.store, captureArtifactPrefix(caller.owner, id))),
      );
      const missing = body.captureIds.filter((_, i) => !present[i]);
      if (missing.length > 0)
        throw new HttpError(
          404,
          'not_found',
          `capture${missing.length > 1 ? 's' : ''} not found: ${missing.join(', ')}`,
          missing.map((id) => ({ field: 'captureIds', message: `capture ${id} not found` })),
        );

      const pipelineId = randomUUID();
      const record: PipelineRecord = {
        pipelineId,
        owner: caller.owner,
        createdAt: new Date().toISOString(),
        captureIds: body.captureIds,
        options: {
          ...(body.track ? { track: body.track } : {}),
          ...(body.train ? { train: body.train } : {}),
        },
        rootJobId: pipelineJobId(pipelineId, 'train'),
        rootStage: 'train',
        jobs: [
          ...body.captureIds.map((captureId) => ({
            stage: 'track' as const,
            jobId: pipelineJobId(pipelineId, 'track', captureId),
            captureId,
          })),
          { stage: 'train' as const, jobId: pipelineJobId(pipelineId, 'train') },
        ],
      };
      // The record first: a pipeline whose jobs exist is always visible to its owner.
      await ctx.pipelines.save(record);
      try {
        await addPipelineFlow(ctx.runtime, {
          pipelineId,
          owner: caller.owner,
          captures: body.captureIds.map((captureId) => ({
            captureId,
            captureKey: captureArtifactPrefix(caller.owner, captureId),
          })),
          ...(body.track ? { track: body.track } : {}),
          ...(body.train ? { train: body.train } : {}),
        });
      } catch (error) {
        await ctx.pipelines.remove(caller.owner, pipelineId).catch(() => undefined);
        if (error instanceof InvalidInputError) throw badRequest(error.message);
        throw error;
      }
      request.log.info(
        { pipelineId, owner: caller.owner, captures: body.captureIds.length },
        'pipeline queued',
      );
      return reply
        .code(201)
        .header('location', `/v1/jobs/${pipelineId}`)
        .send({ jobId: pipelineId, state: 'waiting' });
    },
  );

  app.get(
    '/v1/jobs',
    {
      schema: {
        summary: "The caller's pipelines, newest first, with their status",
        tags: ['pipelines'],
        querystring: openApiSchema(ListQuerySchema),
        response: {
          200: { type: 'object', properties: { jobs: { type: 'array', items: PipelineStatusResponse } } },
        },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { limit } = parseInput(ListQuerySchema, request.query, 'query');
      const records = await ctx.pipelines.list(caller.owner, limit);
      return { jobs: await Promise.all(records.map((r) => pipelineStatus(ctx.runtime, r))) };
    },
  );

  app.get(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'Status of one pipeline: its state and, per stage, state, progress, metrics and errors',
        tags: ['pipelines'],
        params: openApiSchema(JobIdParamsSchema),
        response: { 200: PipelineStatusResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const parsed = JobIdParamsSchema.safeParse(request.params);
      if (!parsed.success) throw notFound('job');
      const record = await ctx.pipelines.get(caller.owner, parsed.data.id);
      if (record === undefined) throw notFound(`job ${parsed.data.id}`);
      return pipelineStatus(ctx.runtime, record);
    },
  );
}
