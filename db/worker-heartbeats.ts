import { Schema } from 'mongoose';
import type { Models } from './models';

// Each worker process says it is alive, per task queue it polls, so health can tell a dead worker
// within seconds: the server keeps a dead poller in its list for minutes.

/** How often a worker says it is alive. */
export const WORKER_HEARTBEAT_EVERY_MS = 3_000;
/** A queue whose last heartbeat is older than this has no live worker: reported down at most this long after one dies. */
export const WORKER_SILENT_AFTER_MS = 10_000;

export const workerHeartbeatSchema = new Schema(
  {
    /** The task queue: any live worker of it keeps the document fresh. */
    _id: { type: String, required: true },
    beatAt: { type: Date, required: true },
    /** The last worker that beat (host and pid), for whoever reads the health report. */
    identity: { type: String, required: true },
  },
  { versionKey: false },
);

export async function recordWorkerHeartbeat(models: Models, taskQueue: string, identity: string, at = new Date()): Promise<void> {
  await models.WorkerHeartbeat.updateOne({ _id: taskQueue }, { $set: { beatAt: at, identity } }, { upsert: true });
}

/** The latest heartbeat of any worker on `taskQueue`, if one ever beat. */
export async function lastWorkerHeartbeat(models: Models, taskQueue: string): Promise<{ beatAt: Date; identity: string } | undefined> {
  const beat = await models.WorkerHeartbeat.findById(taskQueue).lean();
  return beat ? { beatAt: beat.beatAt, identity: beat.identity } : undefined;
}
