import { z } from 'zod';
import { createLogger } from '../../app/logger';
import { startDemoStore } from './store';

// The demo store as a process of the stack (`./tandem start`, the test stack, compose). It reads the
// same signing secret as the worker; the secret is never logged.

const env = z
  .object({
    DEMO_STORE_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
    DEMO_STORE_HOST: z.string().default('127.0.0.1'),
    TANDEM_ACTIONS_SECRET: z.string().min(32, 'needs at least 32 characters'),
    LOG_LEVEL: z.string().default('info'),
  })
  .safeParse(process.env);

async function main(): Promise<void> {
  if (!env.success) {
    throw new Error(`Invalid configuration:\n  ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  }
  const log = createLogger('demo-store', env.data.LOG_LEVEL);
  const store = await startDemoStore({ port: env.data.DEMO_STORE_PORT, host: env.data.DEMO_STORE_HOST, secret: env.data.TANDEM_ACTIONS_SECRET });
  log.info({ url: store.url }, 'demo store started');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void store.close().finally(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
