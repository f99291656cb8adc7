import { exitOnUnhandledFailures } from '../app/process-failures';
import { createLogger } from '../app/logger';
import { ConfigError, loadEnv } from '../config/env';
import { startWebServer, stopWebServer } from './server';

async function main(): Promise<void> {
  const env = loadEnv();
  exitOnUnhandledFailures(createLogger('api', env.LOG_LEVEL));
  await startWebServer(env);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stopWebServer().finally(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});
