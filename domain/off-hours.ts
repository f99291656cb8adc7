import type { SupportConfig } from '../config/schema';
import { isOpen, nextOpening, slaDeadline } from './sla-calendar';
import type { Priority } from './types';

/** When a person will first answer a handoff made at `at`, as the SLA calendar promises it. */
export interface PersonExpected {
  /** Whether the team is working now (a calendar-time policy is staffed around the clock). */
  staffedNow: boolean;
  /** When the team opens again; absent while staffed. */
  opensAt?: Date;
  /** The first-response deadline for this priority. */
  answerBy: Date;
}

export function personExpected(sla: SupportConfig['sla'], priority: Priority, at: Date): PersonExpected {
  const policy = sla.policies[priority];
  const answerBy = slaDeadline(at, policy.firstResponseMs, policy.calendar, sla);
  if (policy.calendar === 'calendar' || isOpen(at, sla)) return { staffedNow: true, answerBy };
  return { staffedNow: false, opensAt: nextOpening(at, sla), answerBy };
}

/**
 * What the customer is told when the handoff happens while the team is away, in the business's
 * time zone ("Monday at 09:00 GMT"); undefined while someone is working.
 */
export function offHoursNotice(sla: SupportConfig['sla'], priority: Priority, at: Date): string | undefined {
  const expected = personExpected(sla, priority, at);
  if (expected.staffedNow || !expected.opensAt) return undefined;
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: sla.timeZone, weekday: 'long' });
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: sla.timeZone, hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  const wallTime = (instant: Date) => `${day.format(instant)} at ${time.format(instant)}`;
  return (
    `Our team is away right now. They are back on ${wallTime(expected.opensAt)}, ` +
    `and a person will reply here by ${wallTime(expected.answerBy)} at the latest.`
  );
}

/** What a waiting customer is shown: "usually within N minutes" while staffed, the off-hours notice otherwise. */
export type PersonWait = { staffedNow: true; withinMinutes: number } | { staffedNow: false; notice: string };

export function personWait(sla: SupportConfig['sla'], priority: Priority, at: Date): PersonWait {
  const notice = offHoursNotice(sla, priority, at);
  if (notice) return { staffedNow: false, notice };
  return { staffedNow: true, withinMinutes: Math.ceil(sla.policies[priority].firstResponseMs / 60_000) };
}
