import { offHoursNotice, personExpected } from '../../../domain/off-hours';
import { config } from './builders';

// Default calendar: Europe/London, Monday to Friday 09:00-18:00; normal is business time (4 h first
// response), urgent is calendar time (staffed around the clock).

describe('when a person will answer', () => {
  it('when a normal handoff arrives on Friday evening, then the customer hears Monday morning and the deadline', () => {
    const fridayEvening = new Date('2026-01-09T19:00:00Z');

    const expected = personExpected(config.sla, 'normal', fridayEvening);
    const notice = offHoursNotice(config.sla, 'normal', fridayEvening);

    expect(expected).toEqual({ staffedNow: false, opensAt: new Date('2026-01-12T09:00:00Z'), answerBy: new Date('2026-01-12T13:00:00Z') });
    expect(notice).toBe('Our team is away right now. They are back on Monday at 09:00 GMT, and a person will reply here by Monday at 13:00 GMT at the latest.');
  });

  it('when the team is open, then there is no off-hours notice', () => {
    const mondayMorning = new Date('2026-01-05T10:00:00Z');

    expect(offHoursNotice(config.sla, 'normal', mondayMorning)).toBeUndefined();
  });

  it('when the policy runs on calendar time, then the team counts as staffed at night', () => {
    const sundayNight = new Date('2026-01-11T23:00:00Z');

    expect(personExpected(config.sla, 'urgent', sundayNight)).toEqual({ staffedNow: true, answerBy: new Date('2026-01-11T23:15:00Z') });
    expect(offHoursNotice(config.sla, 'urgent', sundayNight)).toBeUndefined();
  });
});
