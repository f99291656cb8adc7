import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiError } from './errors';

// Token buckets per credential, in this process's memory. That is exact for one API process; with
// several behind a load balancer each keeps its own buckets, so the effective limit is multiplied
// by the number of processes (a shared store such as Redis would be the next step then).

export interface RateLimitSettings {
  /** Requests a minute for one conversation token; bursts up to the same number. */
  perConversationPerMinute: number;
  /** Requests a minute for one API key (the business's client, all its customers together). */
  perApiKeyPerMinute: number;
}

/** Buckets above this count are swept of the full (idle) ones, so memory stays bounded. */
const SWEEP_ABOVE = 10_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  /** Takes one token for `key`; returns the seconds to wait when there is none. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.refilled(this.buckets.get(key), now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.buckets.set(key, bucket);
      if (this.buckets.size > SWEEP_ABOVE) this.sweep(now);
      return { allowed: true };
    }
    this.buckets.set(key, bucket);
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000)) };
  }

  private refilled(bucket: Bucket | undefined, now: number): Bucket {
    if (!bucket) return { tokens: this.perMinute, updatedAt: now };
    const tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs);
    return { tokens, updatedAt: now };
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.refilled(bucket, now).tokens >= this.perMinute) this.buckets.delete(key);
    }
  }
}

function limitBy(buckets: TokenBuckets, keyOf: (req: Parameters<RequestHandler>[0]) => string): RequestHandler {
  return (req, res, next) => {
    const result = buckets.take(keyOf(req));
    if (!result.allowed) {
      res.setHeader('retry-after', String(result.retryAfterSeconds));
      throw new ApiError('rate_limited', `Too many requests; retry after ${result.retryAfterSeconds} s.`);
    }
    next();
  };
}

export interface RateLimits {
  perConversation: RequestHandler;
  perApiKey: RequestHandler;
}

/**
 * Middlewares that go after the credential check, so only a valid credential spends its own budget.
 * Made once per app: every router that limits a conversation spends from the same buckets.
 */
export function createRateLimits(settings: RateLimitSettings): RateLimits {
  const conversations = new TokenBuckets(settings.perConversationPerMinute);
  const apiKeys = new TokenBuckets(settings.perApiKeyPerMinute);
  return {
    perConversation: limitBy(conversations, (req) => String(req.params.conversationId ?? '')),
    // Keyed by a digest so the map never holds a key itself.
    perApiKey: limitBy(apiKeys, (req) => createHash('sha256').update(req.get('authorization') ?? '').digest('base64url')),
  };
}
