import { IdSchema, STAGES } from '@gsdyn/platform';
import { z } from 'zod';
import { type GatewayRedis, gatewayKey } from '../redis-client.js';

const PipelineRecordSchema = z
  .object({
    pipelineId: IdSchema,
    owner: IdSchema,
    createdAt: z.string(),
    captureIds: z.array(IdSchema),
    options: z.record(z.string(), z.unknown()),
    rootJobId: z.string(),
    rootStage: z.enum(STAGES),
    jobs: z.array(
      z.object({ stage: z.enum(STAGES), jobId: z.string(), captureId: IdSchema.optional() }).strict(),
    ),
  })
  .strict();

/** What the gateway remembers of a pipeline it queued (the jobs themselves live in BullMQ). */
export type PipelineRecord = z.infer<typeof PipelineRecordSchema>;

/**
 * The pipelines of each owner in Redis. Records are keyed by owner, so a lookup with another owner's id finds
 * nothing (a 404, which does not tell whether the pipeline exists).
 */
export class PipelineRegistry {
  constructor(
    private readonly redis: GatewayRedis,
    private readonly prefix: string,
  ) {}

  private recordKey(owner: string, pipelineId: string): string {
    return gatewayKey(this.prefix, 'pipeline', owner, pipelineId);
  }

  private indexKey(owner: string): string {
    return gatewayKey(this.prefix, 'pipelines', owner);
  }

  async save(record: PipelineRecord): Promise<void> {
    await this.redis.atomically([
      ['set', [this.recordKey(record.owner, record.pipelineId), JSON.stringify(record)]],
      ['zadd', [this.indexKey(record.owner), Date.parse(record.createdAt), record.pipelineId]],
    ]);
  }

  async remove(owner: string, pipelineId: string): Promise<void> {
    await this.redis.atomically([
      ['del', [this.recordKey(owner, pipelineId)]],
      ['zrem', [this.indexKey(owner), pipelineId]],
    ]);
  }

  async get(owner: string, pipelineId: string): Promise<PipelineRecord | undefined> {
    if (!IdSchema.safeParse(pipelineId).success) return undefined;
    const raw = await this.redis.get(this.recordKey(owner, pipelineId));
    if (raw === null) return undefined;
    const parsed = PipelineRecordSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) throw new Error(`pipeline record ${pipelineId}: ${parsed.error.issues[0].message}`);
    return parsed.data;
  }

  /** The owner's pipelines, newest first. */
  async list(owner: string, limit: number): Promise<PipelineRecord[]> {
    const ids = await this.redis.zrevrange(this.indexKey(owner), 0, limit - 1);
    const records = await Promise.all(ids.map((id) => this.get(owner, id)));
    return records.filter((r): r is PipelineRecord => r !== undefined);
  }
}
