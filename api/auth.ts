import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Request } from 'express';
import type { AgentConfig } from '../config/env';
import { ApiError } from './errors';

// Every credential travels as `Authorization: Bearer <credential>`; each route says which kind it
// accepts. Comparisons are constant-time over fixed-length digests.

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function bearer(req: Request): string {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new ApiError('unauthenticated', 'Send a credential as "Authorization: Bearer <credential>".');
  return match[1];
}

/** Matches against every key so the time taken does not tell which one was close. */
function matchesAny(candidate: string, keys: readonly string[]): boolean {
  let found = false;
  for (const key of keys) found = sameSecret(candidate, key) || found;
  return found;
}

export class Auth {
  private readonly agentsByDigest: { digest: Buffer; agent: AgentConfig }[];

  constructor(
    private readonly opts: {
      apiKeys: readonly string[];
      operatorKeys: readonly string[];
      tokenSecret: string;
      agents: readonly AgentConfig[];
    },
  ) {
    this.agentsByDigest = opts.agents.map((agent) => ({ digest: digest(agent.token), agent }));
  }

  /** The per-conversation token handed to the customer at start. */
  conversationToken(conversationId: string): string {
    return createHmac('sha256', this.opts.tokenSecret).update(`conversation:${conversationId}`).digest('base64url');
  }

  /** The business's client: may start conversations and list them. */
  readonly customerKey: RequestHandler = (req, _res, next) => {
    if (!matchesAny(bearer(req), this.opts.apiKeys)) throw new ApiError('invalid_credentials', 'Unknown API key.');
    next();
  };

  readonly operator: RequestHandler = (req, _res, next) => {
    if (!matchesAny(bearer(req), this.opts.operatorKeys)) throw new ApiError('invalid_credentials', 'Unknown operator key.');
    next();
  };

  /** Only the token of the conversation in the path opens it. */
  readonly conversation: RequestHandler = (req, _res, next) => {
    const token = bearer(req);
    const id = String(req.params.conversationId ?? '');
    if (!sameSecret(token, this.conversationToken(id))) {
      throw new ApiError('forbidden', 'This credential does not open this conversation.');
    }
    next();
  };

  /** The conversation's own token, or an operator acting on a request (export for right of access). */
  readonly conversationOrOperator: RequestHandler = (req, res, next) => {
    if (matchesAny(bearer(req), this.opts.operatorKeys)) {
      next();
      return;
    }
    this.conversation(req, res, next);
  };

  readonly agent: RequestHandler = (req, res, next) => {
    const presented = digest(bearer(req));
    let match: AgentConfig | undefined;
    for (const entry of this.agentsByDigest) if (timingSafeEqual(presented, entry.digest)) match = entry.agent;
    if (!match) throw new ApiError('invalid_credentials', 'Unknown agent token.');
    res.locals.agent = match;
    next();
  };
}

export function currentAgent(res: { locals: Record<string, unknown> }): AgentConfig {
  return res.locals.agent as AgentConfig;
}
