import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { TranscriptMessage } from '../domain/types';
import { ApiError } from './errors';

const POLL_MS = 500;
const KEEPALIVE_MS = 15_000;

type ReadAfter = (after: number) => Promise<{ total: number; messages: TranscriptMessage[] }>;

/**
 * Server-sent events: every new transcript message as it happens. The event id is the message's
 * position, so a reconnecting client sends Last-Event-ID and misses nothing.
 */
export async function streamTranscript(req: Request, res: Response, readAfter: ReadAfter, log: Logger): Promise<void> {
  let sent = Number(req.get('last-event-id') ?? req.query.after ?? 0);
  if (!Number.isInteger(sent) || sent < 0) throw new ApiError('invalid_request', 'after must be a message count.');
  await readAfter(sent); // not found before the stream opens, not after

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders(); // the client learns the stream is open before the first message
  let open = true;
  req.on('close', () => {
    open = false;
  });
  let lastWrite = Date.now();
  while (open) {
    try {
      const { total, messages } = await readAfter(sent);
      for (const message of messages) {
        sent += 1;
        res.write(`id: ${sent}\nevent: message\ndata: ${JSON.stringify(message)}\n\n`);
        lastWrite = Date.now();
      }
      sent = Math.max(sent, total);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'event stream query failed');
    }
    if (Date.now() - lastWrite > KEEPALIVE_MS) {
      res.write(': keep-alive\n\n');
      lastWrite = Date.now();
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  res.end();
}
