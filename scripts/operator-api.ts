// What the operator commands (audit, what-if) share: their options, and calls to the running API as
// an operator. The API is TANDEM_URL (default http://127.0.0.1:3000); the operator key is
// TANDEM_OPERATOR_KEY, else the local stack's.
import fs from 'node:fs';
import path from 'node:path';
import { profileRunDir } from './stack/profiles';

export function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

function operatorKey(): string {
  const fromEnv = process.env.TANDEM_OPERATOR_KEY ?? process.env.TANDEM_OPERATOR_KEYS?.split(',')[0];
  if (fromEnv) return fromEnv.trim();
  const file = path.join(profileRunDir('dev'), 'credentials.json');
  if (!fs.existsSync(file)) throw new Error('no operator key: set TANDEM_OPERATOR_KEY or start the local stack with ./tandem start');
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { TANDEM_OPERATOR_KEYS?: string };
  const key = stored.TANDEM_OPERATOR_KEYS?.split(',')[0];
  if (!key) throw new Error(`${file} holds no operator key`);
  return key;
}

export interface OperatorApi {
  base: string;
  headers: Record<string, string>;
  /** A JSON call; a refusal becomes an error naming its code. */
  call<T>(method: string, route: string, body?: unknown): Promise<T>;
}

export function operatorApi(): OperatorApi {
  const base = (process.env.TANDEM_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
  const headers = { authorization: `Bearer ${operatorKey()}`, 'content-type': 'application/json' };
  return {
    base,
    headers,
    async call<T>(method: string, route: string, body?: unknown): Promise<T> {
      const response = await fetch(`${base}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const payload = (await response.json()) as T & { error?: { code: string; message: string } };
      if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${payload.error?.code}: ${payload.error?.message}`);
      return payload;
    },
  };
}

/** Runs a command: exits with its code, or says why it failed and exits with 1. */
export function runCommand(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`\n${name} failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
