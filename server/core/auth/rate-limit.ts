import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClientType } from 'redis';
import { AppError } from '../errors';

export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
  blockSeconds?: number;
}

/**
 * Limits shared by every node through Redis when it is configured, else kept in this process.
 * While Redis is away (its client has no offline queue, so a check fails at once) this node's
 * in-memory insurance limiter answers instead: the limit still holds, per node, and nothing
 * waits for Redis to return (decision 015).
 */
export function createLimiter(redis: RedisClientType | undefined, options: LimiterOptions): RateLimiterAbstract {
  const common = {
    keyPrefix: `hearth:${options.keyPrefix}`,
    points: options.points,
    duration: options.durationSeconds,
    blockDuration: options.blockSeconds ?? 0,
  };
  if (!redis) return new RateLimiterMemory(common);
  return new RateLimiterRedis({ ...common, storeClient: redis, useRedisPackage: true, insuranceLimiter: new RateLimiterMemory(common) });
}

function rateLimited(retryAfterMs: number, message: string): AppError {
  return new AppError('rate_limited', message, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
}

/** Spends a point; throws rate_limited when none was left. */
export async function consume(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw rateLimited(error.msBeforeNext, message);
    throw error;
  }
}

/** Gives back a point spent up front (an attempt that turned out well). */
export async function refund(limiter: RateLimiterAbstract, key: string): Promise<void> {
  await limiter.reward(key, 1);
}

/** Makes limiters over the app's Redis (when there is one): what features are given instead of the client. */
export type LimiterFactory = (options: LimiterOptions) => RateLimiterAbstract;

/** A per-member limit: `points` per `durationSeconds`, plus an optional `burst` drawn on when those are spent. */
export interface MemberLimitOptions {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
  burst?: { points: number; durationSeconds: number };
  /** What the member is told when the limit is reached. */
  message: string;
}

/** Spends one of the member's points or throws `rate_limited` with the retry time; the welcome bot is never limited. */
export type MemberLimit = (actor: { user: { id: string; isBot: boolean } }) => Promise<void>;

/**
 * A limit per member on one kind of write, shared by every node through Redis when there is one.
 * It is asked before the write does any work, so a member's flood costs the database nothing.
 */
export function memberLimit(createLimiter: LimiterFactory, options: MemberLimitOptions): MemberLimit {
  const steady = createLimiter({ keyPrefix: options.keyPrefix, points: options.points, durationSeconds: options.durationSeconds });
  const limiter = options.burst
    ? new BurstyRateLimiter(steady, createLimiter({ keyPrefix: `${options.keyPrefix}-burst`, ...options.burst }))
    : steady;
  return async (actor) => {
    if (actor.user.isBot) return;
    try {
      await limiter.consume(actor.user.id);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw rateLimited(error.msBeforeNext, options.message);
      throw error;
    }
  };
}

/**
 * At most one command of a kind running per member on this node, with a few more waiting their
 * turn; beyond that, `rate_limited`. Bounds what one member's parallel heavy reads (a resume)
 * can hold in memory at once, whatever each of them is allowed.
 */
export function oneAtATime(options: { waiting: number; message: string }) {
  const queues = new Map<string, { tail: Promise<unknown>; size: number }>();
  return async function run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const queue = queues.get(key) ?? { tail: Promise.resolve(), size: 0 };
    if (queue.size > options.waiting) throw rateLimited(1000, options.message);
    queue.size += 1;
    queues.set(key, queue);
    const result = queue.tail.then(work);
    queue.tail = result.catch(() => undefined);
    try {
      return await result;
    } finally {
      queue.size -= 1;
      if (queue.size === 0) queues.delete(key);
    }
  };
}
