import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { RETRAINING_SCHEDULE_ID, retrainingWorkflow, type RetrainingInput } from '../workflows/retraining';

const DAY_MS = 24 * 60 * 60 * 1000;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

/** "7d" → 7 days in ms; the env schema has already checked the form. */
export function intervalMs(interval: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(interval);
  if (!match) throw new Error(`not an interval: ${interval}`);
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

export interface RetrainingScheduleOptions {
  /** Where the retraining workflow runs (the conversations queue)... */
  taskQueue: string;
  /** ...and where its steps run. */
  batchTaskQueue: string;
  /** e.g. "7d". Each run learns from the feedback of one interval. */
  interval: string;
  scheduleId?: string;
  /** Start paused (tests). */
  paused?: boolean;
}

/**
 * Creates the retraining schedule once; a worker starting again (or a second worker) finds it
 * there, and a changed interval or task queue is applied to the existing schedule.
 */
export async function ensureRetrainingSchedule(client: Client, opts: RetrainingScheduleOptions, log: Logger): Promise<void> {
  const scheduleId = opts.scheduleId ?? RETRAINING_SCHEDULE_ID;
  const input: RetrainingInput = { windowDays: intervalMs(opts.interval) / DAY_MS, batchTaskQueue: opts.batchTaskQueue };
  const spec = { intervals: [{ every: intervalMs(opts.interval) }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: retrainingWorkflow,
    // Temporal appends the scheduled time: retraining-2026-11-26T00:00:00Z.
    workflowId: 'retraining',
    taskQueue: opts.taskQueue,
    args: [input] as [RetrainingInput],
    staticSummary: `Scheduled retraining: learn from the last ${opts.interval} of agent feedback`,
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      state: { paused: opts.paused ?? false, note: 'Weekly retraining of the embedded classifier from agent feedback' },
    });
    log.info({ scheduleId, interval: opts.interval }, 'created the retraining schedule');
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
}
