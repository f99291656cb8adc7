import pino, { type Logger } from 'pino';
import { maskPii, maskPiiDeep } from '../domain/pii';

// Secrets and customer data never reach the logs: credentials are redacted by path, message text is
// never logged at all (ids are enough to find a conversation), and whatever personal data slips
// into a log line anyway (an email in an error message, a phone number in a detail) is masked.
export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers.cookie',
        '*.token',
        '*.apiKey',
        '*.email',
        '*.text',
      ],
      censor: '[redacted]',
    },
    formatters: { log: (fields) => maskPiiDeep(fields) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? maskPii(arg) : arg)) as Parameters<typeof method>);
      },
    },
  });
}

export type { Logger };
