import pino, { type Logger } from 'pino';

// Secrets and customer data never reach the logs: credentials are redacted by path, and message
// text is never logged at all (ids are enough to find a conversation).
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
  });
}

export type { Logger };
