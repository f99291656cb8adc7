import { statSync } from 'node:fs';
import { workerAliveFile } from '../config/paths';
import { WORKER_SILENT_AFTER_MS } from '../db/worker-heartbeats';

// The health check of a worker's container (docker-compose.yml): exits 0 if this process's worker,
// whichever queues it polls, touched its alive file within WORKER_SILENT_AFTER_MS, else 1. It reads
// the file the worker beside it writes, so a sibling worker on the same queue cannot vouch for it.

const file = workerAliveFile();
const touchedMsAgo = (() => {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity; // no worker has started here
  }
})();
if (touchedMsAgo > WORKER_SILENT_AFTER_MS) {
  process.stderr.write(`worker silent: ${file} ${Number.isFinite(touchedMsAgo) ? `last touched ${Math.round(touchedMsAgo / 1000)} s ago` : 'missing'}\n`);
  process.exitCode = 1;
}
