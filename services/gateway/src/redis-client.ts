import type { QueueRuntime } from '@gsdyn/platform';

/** The Redis client of a BullMQ queue (BullMQ 6 wraps the driver behind its own interface). */
type BullRedisClient = Awaited<ReturnType<ReturnType<QueueRuntime['queue']>['getBackend']>['client']>;

/** The few Redis commands the gateway's own data needs. */
export interface GatewayRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  del(key: string): Promise<number>;
  zrevrange(key: string, start: number, stop: number): Promise<string[]>;
  zadd(key: string, score: number, member: string): Promise<void>;
  ping(): Promise<void>;
  /** Runs the commands in one MULTI/EXEC; rejects when any fails. */
  atomically(
    commands: readonly [name: 'set' | 'del' | 'zadd' | 'zrem', args: (string | number)[]][],
  ): Promise<void>;
}

/**
 * The gateway's Redis access through the producer connection of the runtime's queues (fail-fast when Redis is away,
 * so requests answer 503 instead of hanging). Resolves once the connection is ready.
 */
export async function openGatewayRedis(runtime: QueueRuntime): Promise<GatewayRedis> {
  const queue = runtime.queue('track');
  await queue.waitUntilReady();
  const client: BullRedisClient = await queue.getBackend().client;
  return {
    get: (key) => client.get(key),
    set: async (key, value) => {
      await client.set(key, value);
    },
    del: (key) => client.del(key),
    zrevrange: (key, start, stop) => client.zrevrange(key, start, stop),
    zadd: async (key, score, member) => {
      await client.runCommand('zadd', [key, score, member]);
    },
    ping: async () => {
      await client.runCommand('ping', []);
    },
    atomically: async (commands) => {
      const multi = client.multi();
      for (const [name, args] of commands) multi.runCommand(name, args);
      const results = await multi.exec();
      const failed = results?.find(([error]) => error !== null);
      if (results === null) throw new Error('redis transaction aborted');
      if (failed) throw failed[0];
    },
  };
}

/** Redis key of the gateway's own data: `<queue prefix>:gateway:<parts>`. */
export function gatewayKey(prefix: string, ...parts: string[]): string {
  return [prefix, 'gateway', ...parts].join(':');
}
