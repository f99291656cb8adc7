import os from 'node:os';
import path from 'node:path';
import encoderLock from '../models/encoder.lock.json';

// Where installed tools and model files live, for the service manager and the processes alike.

/** Installed binaries, the Python venv, model files; `TANDEM_CACHE_DIR` moves it. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TANDEM_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'tandem');
}

/** The sentence encoder's files, as scripts/install_encoder.py lays them out; `TANDEM_ENCODER_DIR` moves them. */
export function encoderDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TANDEM_ENCODER_DIR ?? path.join(cacheDir(env), 'encoder', encoderLock.id);
}

/**
 * The file a worker process touches at every heartbeat, whichever queues it polls, so a health check
 * in its container can tell that this process (not a sibling on the same queue) is alive;
 * `TANDEM_WORKER_ALIVE_FILE` moves it.
 */
export function workerAliveFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.TANDEM_WORKER_ALIVE_FILE ?? path.join(os.tmpdir(), 'tandem-worker.alive');
}
