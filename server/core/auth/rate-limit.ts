import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClientType } from 'redis';
import { AppError } from '../errors';

export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
  blockSeconds?: number;
}

/** Limits shared by every node through Redis when it is configured, else kept in this process. */
export function createLimiter(redis: RedisClientType | undefined, options: LimiterOptions): RateLimiterAbstract {
  const common = {
    keyPrefix: `hearth:${options.keyPrefix}`,
    points: options.points,
    duration: options.durationSeconds,
    blockDuration: options.blockSeconds ?? 0,
  };
  return redis ? new RateLimiterRedis({ ...common, storeClient: redis, useRedisPackage: true }) : new RateLimiterMemory(common);
}

function rateLimited(retryAfterMs: number, message: string): AppError {
  return new AppError('rate_limited', message, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
}

/** Throws rate_limited when the key has no points left; does not spend one. */
export async function checkNotBlocked(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
  const state = await limiter.get(key);
  if (state && state.remainingPoints <= 0) throw rateLimited(state.msBeforeNext, message);
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

/** Spends a point without throwing (records a failure). */
export async function penalise(limiter: RateLimiterAbstract, key: string): Promise<void> {
  await limiter.penalty(key, 1);
}

/** Makes limiters over the app's Redis (when there is one): what features are given instead of the client. */
export type LimiterFactory = (options: LimiterOptions) => RateLimiterAbstract;
