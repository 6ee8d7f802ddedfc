import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

/** Deletes the key only while it still holds our token (the lock may have expired and been taken since). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * Runs `work` unless another process holds the lock `key` (a Redis `SET NX PX`): several indexers starting at
 * once reconcile the store once, not once each. The lock expires after `ttlMs` should its holder die.
 */
export async function withRedisLock<T>(
  redis: Redis,
  key: string,
  ttlMs: number,
  work: () => Promise<T>,
): Promise<{ readonly ran: true; readonly value: T } | { readonly ran: false }> {
  const token = randomUUID();
  if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return { ran: false };
  try {
    return { ran: true, value: await work() };
  } finally {
    await redis.eval(RELEASE, 1, key, token);
  }
}
