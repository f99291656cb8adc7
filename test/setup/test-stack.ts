// The services the integration tests run against: one stack in .run/test, on ports of its own so it
// never meets a dev stack. Several jest runs from one working tree share it: each holds a lease, and
// the last one out stops it.
import fs from 'node:fs';
import path from 'node:path';
import { isAlive, withLock } from '../../scripts/stack/processes';
import { profileRunDir, stackProfile } from '../../scripts/stack/profiles';
import { startStack, stopStack, stopStackAndClearStores, type StackInfo } from '../../scripts/stack/services';

export const TEST_RUN_DIR = profileRunDir('test');
const LEASES = path.join(TEST_RUN_DIR, 'leases');

/** Leases of jest runs still alive; stale ones are removed. */
function liveLeases(): string[] {
  if (!fs.existsSync(LEASES)) return [];
  return fs.readdirSync(LEASES).filter((lease) => {
    if (isAlive(Number(lease))) return true;
    fs.rmSync(path.join(LEASES, lease), { force: true });
    return false;
  });
}

export async function acquireTestStack(): Promise<StackInfo> {
  return withLock(TEST_RUN_DIR, 'leases', async () => {
    // The first run in starts from empty stores. Workflow ids are global on the Temporal server
    // while every test file polls a task queue of its own: a conversation left running by an
    // earlier run (the fuzzer always tries conversation "0") would take a new start of the same
    // id, and its Update would wait forever for a worker that no longer polls that queue.
    if (liveLeases().length === 0) await stopStackAndClearStores(TEST_RUN_DIR);
    fs.mkdirSync(LEASES, { recursive: true });
    fs.writeFileSync(path.join(LEASES, String(process.pid)), '');
    return startStack({
      services: ['temporal', 'mongo', 'ollama', 'demoStore'],
      runDir: TEST_RUN_DIR,
      mongoDatabase: 'tandem-test',
      ports: stackProfile('test').ports,
    });
  });
}

export async function releaseTestStack(): Promise<void> {
  await withLock(TEST_RUN_DIR, 'leases', async () => {
    fs.rmSync(path.join(LEASES, String(process.pid)), { force: true });
    if (liveLeases().length === 0) await stopStack(TEST_RUN_DIR);
  });
}
