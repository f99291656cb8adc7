import type { Logger } from 'pino';

/**
 * A rejection nobody awaited, or an exception nobody caught, leaves the process in an unknown state:
 * log it and exit, so the supervisor (./tandem start, the compose file's restart policy) starts a
 * clean one. Accepted messages are safe in Temporal meanwhile.
 */
export function exitOnUnhandledFailures(log: Logger): void {
  process.on('unhandledRejection', (reason) => {
    log.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
}
