import type { SupportConfig } from '../../../config/schema';
import { PRIORITIES } from '../../../domain/types';
import { whatIf } from '../../../domain/what-if';
import {
  CANDIDATE_KEYWORD,
  DEFAULT_KEYWORD,
  DEFAULT_LOW_CONFIDENCE,
  firstEscalation,
  generateRecordedConversations,
} from '../../support/recorded-conversations';
import { config } from './builders';

const conversations = generateRecordedConversations(240);
const recorded = conversations.map((c) => c.recorded);
const candidate = (change: (draft: SupportConfig) => void): SupportConfig => {
  const draft = structuredClone(config);
  change(draft);
  return draft;
};
/** The independent account of the recording: where the default configuration handed each conversation over. */
const recordedEscalation = (facts: (typeof conversations)[number]['facts']) =>
  firstEscalation(facts, (m) => m.confidence < DEFAULT_LOW_CONFIDENCE || m.keyword === DEFAULT_KEYWORD);

describe('whatIf over 240 recorded conversations', () => {
  test('when the candidate is the active configuration, then no conversation changes and the totals match the recording', () => {
    const report = whatIf(recorded, config, structuredClone(config));

    const escalated = conversations.filter((c) => recordedEscalation(c.facts) !== undefined).length;
    expect(report.changes).toEqual([]);
    expect(report.totals.containment.before).toBeCloseTo((240 - escalated) / 240, 10);
    expect(report.totals.containment.after).toBe(report.totals.containment.before);
    expect(Object.values(report.totals.handoffsPerQueue.before).reduce((a, b) => a + b, 0)).toBe(escalated);
  });

  test('when lowConfidence falls from 0.35 to 0.2, then exactly the conversations whose recorded confidence made the difference change', () => {
    const report = whatIf(recorded, config, candidate((draft) => (draft.escalation.lowConfidence = 0.2)));

    const expected = conversations
      .filter((c) => recordedEscalation(c.facts) !== firstEscalation(c.facts, (m) => m.confidence < 0.2 || m.keyword === DEFAULT_KEYWORD))
      .map((c) => c.recorded.conversationId);
    expect(expected.length).toBeGreaterThan(10);
    expect(report.changes.map((c) => c.conversationId).sort()).toEqual(expected.sort());
    for (const change of report.changes) {
      expect(['escalated_later', 'no_longer_escalated']).toContain(change.change);
      expect(change.before.reasons).toContain('low_confidence');
    }
  });

  test('when a keyword is added, then exactly the conversations with it in a message the AI answered change, each newly or earlier escalated', () => {
    const report = whatIf(recorded, config, candidate((draft) => draft.escalation.keywords.push(CANDIDATE_KEYWORD)));

    const expected = conversations.filter((c) => {
      const before = recordedEscalation(c.facts);
      const withKeyword = firstEscalation(c.facts, (m) => m.keyword === CANDIDATE_KEYWORD);
      return withKeyword !== undefined && (before === undefined || withKeyword < before);
    });
    expect(expected.length).toBeGreaterThan(10);
    expect(report.changes.map((c) => c.conversationId).sort()).toEqual(expected.map((c) => c.recorded.conversationId).sort());
    for (const change of report.changes) {
      expect(['newly_escalated', 'escalated_earlier']).toContain(change.change);
      expect(change.after.reasons).toContain('keyword');
    }
  });

  test('when billing handoffs go to another queue, then exactly the conversations handed over on a billing message are rerouted there', () => {
    const report = whatIf(recorded, config, candidate((draft) => (draft.categories.find((c) => c.id === 'billing')!.queue = 'supervisors')));

    const handedOverOnBilling = recorded.filter(({ transcript }) => {
      const notice = transcript.findIndex((m) => m.role === 'system');
      return notice > 0 && transcript[notice - 1]!.classification?.category === 'billing';
    });
    expect(handedOverOnBilling.length).toBeGreaterThan(5);
    expect(report.changes.map((c) => c.conversationId).sort()).toEqual(handedOverOnBilling.map((c) => c.conversationId).sort());
    for (const change of report.changes) expect(change).toMatchObject({ change: 'rerouted', before: { queue: 'billing' }, after: { queue: 'supervisors' } });
    expect(report.totals.handoffsPerQueue.after.supervisors).toBe(handedOverOnBilling.length);
  });

  test('when billing becomes a category people handle, then exactly the conversations with a billing message the AI answered are handed over sooner or newly', () => {
    const report = whatIf(recorded, config, candidate((draft) => (draft.categories.find((c) => c.id === 'billing')!.handling = 'human')));

    const expected = conversations.filter(({ recorded: { transcript }, facts }) => {
      const classified = transcript.filter((m) => m.classification);
      const firstBilling = classified.findIndex((m) => m.classification?.category === 'billing') + 1;
      const before = recordedEscalation(facts);
      return firstBilling > 0 && (before === undefined || firstBilling < before);
    });
    expect(expected.length).toBeGreaterThan(10);
    expect(report.changes.map((c) => c.conversationId).sort()).toEqual(expected.map((c) => c.recorded.conversationId).sort());
    for (const change of report.changes) expect(change.after.reasons).toContain('category:billing');
  });

  test('when every first-response target becomes 30 minutes, then every recorded reply later than that counts as a breach', () => {
    const report = whatIf(
      recorded,
      config,
      candidate((draft) => {
        for (const priority of PRIORITIES) draft.sla.policies[priority] = { ...draft.sla.policies[priority], firstResponseMs: 30 * 60_000, calendar: 'calendar' };
      }),
    );

    const lateReplies = recorded.filter(({ transcript }) => {
      const notice = transcript.findIndex((m) => m.role === 'system');
      const reply = transcript[notice + 1];
      return notice >= 0 && reply !== undefined && Date.parse(reply.at) - Date.parse(transcript[notice]!.at) > 30 * 60_000;
    });
    expect(report.changes).toEqual([]);
    expect(lateReplies.length).toBeGreaterThan(10);
    expect(report.totals.slaBreaches.after).toBe(lateReplies.length);
    expect(report.totals.slaBreaches.before).toBeLessThan(lateReplies.length);
  });
});
