import { createHash, randomBytes } from 'node:crypto';
import { IdSchema } from '@gsdyn/platform';
import { z } from 'zod';
import { type GatewayRedis, gatewayKey } from '../redis-client.js';

/** Who a key belongs to. Admin keys (the bootstrap key) may create keys and open the queue dashboard. */
export interface ApiKeyOwner {
  owner: string;
  admin: boolean;
}

const StoredKeySchema = z.object({ owner: IdSchema, admin: z.boolean(), createdAt: z.string() }).strict();

/** Keys are random 256-bit secrets, so one unsalted sha256 is enough at rest (nothing to brute-force). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `gsk_${randomBytes(32).toString('base64url')}`;
}

const MIN_KEY_LENGTH = 16;

/** API keys in Redis, by the sha256 of the key: `<prefix>:gateway:apikey:<sha256>` -> `{ owner, admin }`. */
export class ApiKeyStore {
  constructor(
    private readonly redis: GatewayRedis,
    private readonly prefix: string,
  ) {}

  private key(hash: string): string {
    return gatewayKey(this.prefix, 'apikey', hash);
  }

  /** Stores a key (a new random one unless given); only its hash is written. Returns the key in clear, once. */
  async create(owner: string, options: { key?: string; admin?: boolean } = {}): Promise<string> {
    const parsedOwner = IdSchema.safeParse(owner);
    if (!parsedOwner.success)
      throw new RangeError(`owner ${JSON.stringify(owner)}: ${parsedOwner.error.issues[0].message}`);
    const key = options.key ?? generateApiKey();
    if (key.length < MIN_KEY_LENGTH)
      throw new RangeError(`API key: expected at least ${MIN_KEY_LENGTH} characters`);
    const record = { owner, admin: options.admin ?? false, createdAt: new Date().toISOString() };
    await this.redis.set(this.key(hashApiKey(key)), JSON.stringify(record));
    return key;
  }

  async lookup(key: string): Promise<ApiKeyOwner | undefined> {
    if (key.length < MIN_KEY_LENGTH || key.length > 512) return undefined;
    const raw = await this.redis.get(this.key(hashApiKey(key)));
    if (raw === null) return undefined;
    const parsed = StoredKeySchema.safeParse(JSON.parse(raw));
    return parsed.success ? { owner: parsed.data.owner, admin: parsed.data.admin } : undefined;
  }

  async revoke(key: string): Promise<boolean> {
    return (await this.redis.del(this.key(hashApiKey(key)))) > 0;
  }
}
