import { isArtifactKey, joinKey } from '@gsdyn/platform';
import type { FastifyInstance } from 'fastify';
import { callerOf, type GatewayContext } from '../context.js';
import { notFound } from '../http-error.js';

// Only types a browser will not run: anything else is served as a download (uploads come from clients).
const SAFE_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.gif': 'image/gif',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

function contentType(key: string): string {
  const dot = key.lastIndexOf('.');
  return (
    (dot > key.lastIndexOf('/') && SAFE_TYPES[key.slice(dot).toLowerCase()]) || 'application/octet-stream'
  );
}

/**
 * GET /v1/artifacts/<path>: the caller's artifacts, addressed relative to the caller's own namespace
 * (`captures/<id>/...`, `pipelines/<jobId>/<stage>/...`), so another owner's keys cannot even be named.
 * An object is streamed (fs store) or redirected to a presigned URL (S3; `?redirect=false` streams it through the
 * gateway); a folder answers the list of its files.
 */
export function artifactRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get(
    '/v1/artifacts/*',
    {
      schema: {
        summary: 'Download an artifact (or list a folder of them)',
        tags: ['artifacts'],
        querystring: {
          type: 'object',
          properties: { redirect: { type: 'string', enum: ['true', 'false'] } },
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const raw = (request.params as { '*': string })['*'] ?? '';
      const rel = raw.replace(/\/+$/, '');
      if (rel === '' || !isArtifactKey(rel)) throw notFound('artifact');
      const key = joinKey('owners', caller.owner, rel);
      const info = await ctx.store.head(key);
      if (info !== undefined) {
        const redirect = (request.query as { redirect?: string }).redirect !== 'false';
        if (redirect) {
          const url = await ctx.store.presignedGetUrl(key);
          if (url !== undefined) return reply.redirect(url, 302);
        }
        const body = await ctx.store.get(key);
        return reply
          .header('content-type', contentType(key))
          .header('content-length', String(info.size))
          .header('x-content-type-options', 'nosniff')
          .header(
            'content-disposition',
            `attachment; filename="${rel.slice(rel.lastIndexOf('/') + 1).replace(/"/g, '')}"`,
          )
          .send(body);
      }
      const files = await ctx.store.list(`${key}/`);
      if (files.length === 0) throw notFound(`artifact ${rel}`);
      const base = key.length + 1;
      return {
        path: rel,
        files: files.map((f) => ({
          path: f.key.slice(base),
          size: f.size,
          url: `/v1/artifacts/${rel}/${f.key.slice(base)}`,
        })),
      };
    },
  );
}
