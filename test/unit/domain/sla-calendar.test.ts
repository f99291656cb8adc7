import {
  addBusinessTime,
  isOpen,
  nextOpening,
  slaDeadline,
  type BusinessCalendar,
} from '../../../domain/sla-calendar';
import { config } from './builders';

// Times are written with the wall-clock offset of the zone on that date, so each expectation reads
// as the local time a support team would see.
const HOUR = 3_600_000;
const london: BusinessCalendar = config.sla; // Europe/London, Monday to Friday 09:00-18:00
const splitDay: BusinessCalendar = {
  timeZone: 'Europe/London',
  businessHours: [1, 2, 3, 4, 5].flatMap((day) => [
    { day, start: '09:00', end: '12:00' },
    { day, start: '13:00', end: '17:00' },
  ]),
  holidays: [],
};

describe('addBusinessTime', () => {
  it('when the target runs past closing time, then it resumes at the next morning opening', () => {
    const mondayEvening = new Date('2026-01-05T17:30:00+00:00');

    const deadline = addBusinessTime(mondayEvening, 1 * HOUR, london);

    expect(deadline).toEqual(new Date('2026-01-06T09:30:00+00:00'));
  });

  it('when the target runs past Friday closing, then the weekend does not count', () => {
    const fridayAfternoon = new Date('2026-01-09T17:00:00+00:00');

    const deadline = addBusinessTime(fridayAfternoon, 2 * HOUR, london);

    expect(deadline).toEqual(new Date('2026-01-12T10:00:00+00:00'));
  });

  it('when the next days are holidays, then they do not count', () => {
    const christmasEve = new Date('2026-12-24T17:00:00+00:00'); // 25th and 26th are holidays

    const deadline = addBusinessTime(christmasEve, 2 * HOUR, london);

    expect(deadline).toEqual(new Date('2026-12-28T10:00:00+00:00'));
  });

  it('when the day has a lunch break, then the break does not count', () => {
    const lateMorning = new Date('2026-01-05T11:30:00+00:00');

    const deadline = addBusinessTime(lateMorning, 1 * HOUR, splitDay);

    expect(deadline).toEqual(new Date('2026-01-05T13:30:00+00:00'));
  });

  it('when the day has two periods and the target outlasts the second, then it carries to the next morning', () => {
    const lateAfternoon = new Date('2026-01-05T16:30:00+00:00');

    const deadline = addBusinessTime(lateAfternoon, 1 * HOUR, splitDay);

    expect(deadline).toEqual(new Date('2026-01-06T09:30:00+00:00'));
  });

  it('when the clocks go forward over the weekend, then the deadline is in local opening hours', () => {
    const fridayBeforeSummerTime = new Date('2026-03-27T17:00:00+00:00');

    const deadline = addBusinessTime(fridayBeforeSummerTime, 2 * HOUR, london);

    expect(deadline).toEqual(new Date('2026-03-30T10:00:00+01:00'));
  });

  it('when a business week and an hour span the change to summer time, then it ends at 10:00 local the next Monday', () => {
    const mondayOpening = new Date('2026-03-23T09:00:00+00:00');

    const deadline = addBusinessTime(mondayOpening, 5 * 9 * HOUR + 1 * HOUR, london);

    expect(deadline).toEqual(new Date('2026-03-30T10:00:00+01:00'));
  });

  it('when the clocks go back over the weekend, then the deadline is in local opening hours', () => {
    const fridayBeforeWinterTime = new Date('2026-10-23T17:00:00+01:00');

    const deadline = addBusinessTime(fridayBeforeWinterTime, 2 * HOUR, london);

    expect(deadline).toEqual(new Date('2026-10-26T10:00:00+00:00'));
  });

  it('when the calendar is in another zone, then its own wall clock is used', () => {
    const newYork: BusinessCalendar = { ...london, timeZone: 'America/New_York', holidays: [] };
    const fridayAfternoon = new Date('2026-03-06T17:00:00-05:00'); // US clocks go forward on 8 March

    const deadline = addBusinessTime(fridayAfternoon, 2 * HOUR, newYork);

    expect(deadline).toEqual(new Date('2026-03-09T10:00:00-04:00'));
  });

  it('when the calendar has no opening hours, then it fails with a message naming the zone', () => {
    const closed: BusinessCalendar = { timeZone: 'Europe/London', businessHours: [], holidays: [] };

    expect(() => addBusinessTime(new Date('2026-01-05T10:00:00Z'), HOUR, closed)).toThrow(/Europe\/London/);
  });
});

describe('nextOpening and isOpen', () => {
  it('when asked on a Saturday, then the next opening is Monday morning', () => {
    expect(nextOpening(new Date('2026-01-10T12:00:00+00:00'), london)).toEqual(new Date('2026-01-12T09:00:00+00:00'));
  });

  it('when asked early on a weekday, then the next opening is that morning', () => {
    expect(nextOpening(new Date('2026-01-05T07:15:00+00:00'), london)).toEqual(new Date('2026-01-05T09:00:00+00:00'));
  });

  it('when asked over lunch, then the next opening is after the break', () => {
    expect(nextOpening(new Date('2026-01-05T12:30:00+00:00'), splitDay)).toEqual(new Date('2026-01-05T13:00:00+00:00'));
  });

  it('when asked during opening hours, then the next opening is now', () => {
    const during = new Date('2026-01-05T10:00:00+00:00');

    expect(nextOpening(during, london)).toEqual(during);
  });

  it('when it is opening time, then it is open, and at closing time it is closed', () => {
    expect(isOpen(new Date('2026-01-05T09:00:00+00:00'), london)).toBe(true);
    expect(isOpen(new Date('2026-01-05T18:00:00+00:00'), london)).toBe(false);
  });

  it('when it is a weekday holiday, then it is closed all day', () => {
    expect(isOpen(new Date('2026-12-25T11:00:00+00:00'), london)).toBe(false);
  });

  it('when it is summer time, then opening hours follow the local clock', () => {
    expect(isOpen(new Date('2026-06-01T08:30:00+00:00'), london)).toBe(true); // 09:30 BST
    expect(isOpen(new Date('2026-06-01T17:30:00+00:00'), london)).toBe(false); // 18:30 BST
  });
});

describe('slaDeadline', () => {
  it('when the policy runs on calendar time, then nights and weekends count', () => {
    const urgent = config.sla.policies.urgent;
    const saturdayNight = new Date('2026-01-10T23:00:00+00:00');

    const deadline = slaDeadline(saturdayNight, urgent.firstResponseMs, 'calendar', london);

    expect(deadline).toEqual(new Date('2026-01-10T23:15:00+00:00'));
  });

  it('when the policy runs on business time, then the clock waits for opening', () => {
    const high = config.sla.policies.high;
    const saturdayNight = new Date('2026-01-10T23:00:00+00:00');

    const deadline = slaDeadline(saturdayNight, high.firstResponseMs, 'business', london);

    expect(deadline).toEqual(new Date('2026-01-12T10:00:00+00:00'));
  });
});
