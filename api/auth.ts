import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Request } from 'express';
import type { AgentConfig } from '../config/env';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signatureProblem } from '../domain/action-signature';
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

/** Visitor tokens are `v1.<expiry in epoch seconds>.<signature>`: the expiry is signed with the conversation id. */
const VISITOR_TOKEN = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** Who asked for a widget session: the business's backend (API key) or a browser on an allowed site (widget key). */
export type WidgetCaller = 'backend' | 'browser';

export class Auth {
  private readonly agentsByDigest: { digest: Buffer; agent: AgentConfig }[];

  constructor(
    private readonly opts: {
      apiKeys: readonly string[];
      operatorKeys: readonly string[];
      tokenSecret: string;
      agents: readonly AgentConfig[];
      widgetKeys: readonly string[];
      widgetOrigins: readonly string[];
      visitorTokenTtlSeconds: number;
      /** Verifies the signature of events the business's systems post; without it they need an operator key. */
      eventsSecret?: string;
      /** Epoch milliseconds; tests move it to expire tokens. */
      now?: () => number;
    },
  ) {
    this.agentsByDigest = opts.agents.map((agent) => ({ digest: digest(agent.token), agent }));
  }

  /** The per-conversation token handed to the customer at start. */
  conversationToken(conversationId: string): string {
    return createHmac('sha256', this.opts.tokenSecret).update(`conversation:${conversationId}`).digest('base64url');
  }

  /**
   * A short-lived token for the chat widget: opens this conversation until it expires, so a token
   * copied out of a browser is worth little. The conversation token never reaches a browser.
   */
  visitorToken(conversationId: string): { token: string; expiresAt: string } {
    const expires = Math.floor(this.now() / 1000) + this.opts.visitorTokenTtlSeconds;
    return { token: `v1.${expires}.${this.visitorSignature(conversationId, expires)}`, expiresAt: new Date(expires * 1000).toISOString() };
  }

  private visitorSignature(conversationId: string, expires: number): string {
    return createHmac('sha256', this.opts.tokenSecret).update(`visitor:${conversationId}:${expires}`).digest('base64url');
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Whether browsers on this origin may embed the widget. */
  allowsOrigin(origin: string | undefined): boolean {
    return origin !== undefined && this.opts.widgetOrigins.includes(origin);
  }

  /** The business's backend with its API key, or a browser with a public widget key on an allowed origin. */
  readonly widgetSession: RequestHandler = (req, res, next) => {
    const credential = bearer(req);
    if (matchesAny(credential, this.opts.apiKeys)) {
      res.locals.widgetCaller = 'backend' satisfies WidgetCaller;
      next();
      return;
    }
    if (!matchesAny(credential, this.opts.widgetKeys)) throw new ApiError('invalid_credentials', 'Unknown API key or widget key.');
    if (!this.allowsOrigin(req.get('origin'))) throw new ApiError('origin_not_allowed', 'This widget key is not valid on this site.');
    res.locals.widgetCaller = 'browser' satisfies WidgetCaller;
    next();
  };

  /** The business's client: may start conversations and list them. */
  readonly customerKey: RequestHandler = (req, _res, next) => {
    if (!matchesAny(bearer(req), this.opts.apiKeys)) throw new ApiError('invalid_credentials', 'Unknown API key.');
    next();
  };

  readonly operator: RequestHandler = (req, _res, next) => {
    if (!matchesAny(bearer(req), this.opts.operatorKeys)) throw new ApiError('invalid_credentials', 'Unknown operator key.');
    next();
  };

  /** Only the token of the conversation in the path opens it: its conversation token, or an unexpired visitor token. */
  readonly conversation: RequestHandler = (req, _res, next) => {
    const token = bearer(req);
    const id = String(req.params.conversationId ?? '');
    const visitor = VISITOR_TOKEN.exec(token);
    const expected = visitor ? `v1.${visitor[1]}.${this.visitorSignature(id, Number(visitor[1]))}` : this.conversationToken(id);
    if (!sameSecret(token, expected)) throw new ApiError('forbidden', 'This credential does not open this conversation.');
    if (visitor && Number(visitor[1]) * 1000 <= this.now()) throw new ApiError('token_expired', 'This visitor token has expired; ask for a new one.');
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

  /**
   * A request the business's systems signed (HMAC-SHA256 over timestamp, method, path and raw body,
   * as Tandem signs its action requests), or an operator key.
   */
  readonly signedOrOperator: RequestHandler = (req, res, next) => {
    const signature = req.get(SIGNATURE_HEADER);
    if (signature === undefined || this.opts.eventsSecret === undefined) {
      this.operator(req, res, next);
      return;
    }
    const body = (req as Request & { rawBody?: string }).rawBody ?? '';
    const request = { method: req.method, path: req.originalUrl.split('?')[0] as string, body, signature, timestamp: req.get(TIMESTAMP_HEADER) };
    const problem = signatureProblem(this.opts.eventsSecret, request, this.now());
    if (problem) throw new ApiError('invalid_credentials', `The request's signature is not accepted (${problem}).`);
    next();
  };

  /** An operator sees every conversation; an agent's token sets the agent, whose use case then checks their queues. */
  readonly agentOrOperator: RequestHandler = (req, res, next) => {
    if (matchesAny(bearer(req), this.opts.operatorKeys)) {
      next();
      return;
    }
    this.agent(req, res, next);
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

export function widgetCaller(res: { locals: Record<string, unknown> }): WidgetCaller {
  return res.locals.widgetCaller as WidgetCaller;
}

export function currentAgent(res: { locals: Record<string, unknown> }): AgentConfig {
  return res.locals.agent as AgentConfig;
}

/** The agent behind `agentOrOperator`; undefined for an operator. */
export function agentIfAny(res: { locals: Record<string, unknown> }): AgentConfig | undefined {
  return res.locals.agent as AgentConfig | undefined;
}
