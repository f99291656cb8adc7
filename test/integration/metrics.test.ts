import { agents, customer, startTandem, type Tandem } from '../support/harness';

// Support metrics from conversations with known outcomes, on the real worker, API and FerretDB.

const [dana] = agents as [(typeof agents)[number]];

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('support metrics', () => {
  let tandem: Tandem;
  let operator: string;
  const ids: Record<'order' | 'person' | 'password' | 'cancel', string> = { order: '', person: '', password: '', cancel: '' };

  const start = async (text: string, profile = customer()) => {
    const { status, body } = await tandem.call('POST', '/v1/conversations', { body: { customer: profile, firstMessage: { messageId: 'm1', text } } });
    expect(status).toBe(201);
    return body as { conversationId: string; token: string; outcome: { handoff?: { taskId: string } } };
  };

  beforeAll(async () => {
    tandem = await startTandem();
    operator = tandem.env.TANDEM_OPERATOR_KEYS[0] as string;

    const order = await start('where is my order 12345?', customer({ lifetimeValue: 50 }));
    const person = await start('I want to talk to a human agent right now');
    const password = await start('how do I reset my password?');
    const cancel = await start('I want to cancel my order 555', customer({ lifetimeValue: 50_000 }));
    Object.assign(ids, { order: order.conversationId, person: person.conversationId, password: password.conversationId, cancel: cancel.conversationId });
    expect(order.outcome.handoff).toBeUndefined();
    expect(password.outcome.handoff).toBeUndefined();
    expect(person.outcome.handoff).toBeDefined();
    const taskId = cancel.outcome.handoff?.taskId as string;
    expect(taskId).toBeDefined();

    expect((await tandem.call('POST', `/v1/conversations/${password.conversationId}/rating`, { token: password.token, body: { score: 5 } })).status).toBe(200);
    expect((await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: dana.token })).status).toBe(200);
    expect((await tandem.call('POST', `/v1/agent/tasks/${taskId}/reply`, { token: dana.token, body: { actionId: 'r1', text: 'I can help with that.' } })).status).toBe(200);
    expect((await tandem.call('POST', `/v1/agent/tasks/${taskId}/resolve`, { token: dana.token, body: { note: 'cancelled' } })).status).toBe(200);
    expect((await tandem.call('POST', `/v1/conversations/${cancel.conversationId}/rating`, { token: cancel.token, body: { score: 2 } })).status).toBe(200);

    // The read models are projected asynchronously: wait until both ratings, the resolution and the
    // outreach task the rating of 2 raises (a low-CSAT signal) landed.
    await until(async () => {
      const [rated, tasks, outreach] = await Promise.all([
        tandem.runtime.models.Conversation.countDocuments({ 'rating.score': { $gte: 1 } }),
        tandem.runtime.models.Task.countDocuments({ status: 'resolved' }),
        tandem.runtime.models.Task.countDocuments({ queue: 'outreach' }),
      ]);
      return rated === 2 && tasks === 1 && outreach === 1 ? true : undefined;
    });
  });
  afterAll(async () => {
    await tandem?.stop();
  });

  it('when two of four conversations were handed off, then containment and escalation are one half, with reasons counted', async () => {
    const { status, body } = await tandem.call('GET', '/v1/metrics', { token: operator });

    expect(status).toBe(200);
    expect(body.conversations).toBe(4);
    expect(body.containment).toEqual({ aiResolved: 2, handedOff: 2, rate: 0.5 });
    expect(body.escalation.rate).toBe(0.5);
    const reasons = await tandem.runtime.models.Conversation.find({ _id: { $in: [ids.person, ids.cancel] } }, { escalationReasons: 1 }).lean();
    const expected = new Map<string, number>();
    for (const c of reasons) for (const r of new Set(c.escalationReasons)) expected.set(r, (expected.get(r) ?? 0) + 1);
    expect(body.escalation.byReason).toHaveLength(expected.size);
    for (const row of body.escalation.byReason) {
      expect(row.conversations).toBe(expected.get(row.reason));
      expect(row.rate).toBe(row.conversations / 4);
    }
  });

  it('when an AI and an agent conversation were rated, then CSAT is split between AI, humans and the agent', async () => {
    const { body } = await tandem.call('GET', '/v1/metrics', { token: operator });

    expect(body.csat.ai).toEqual({ ratings: 1, average: 5, satisfiedRate: 1 });
    expect(body.csat.human).toEqual({ ratings: 1, average: 2, satisfiedRate: 0 });
    expect(body.csat.byAgent).toEqual({ dana: { ratings: 1, average: 2, satisfiedRate: 0 } });
  });

  it('when tasks and messages exist, then SLA, response times, Pareto and retention are reported', async () => {
    const { body } = await tandem.call('GET', '/v1/metrics', { token: operator });

    // Two handoffs and the low-CSAT outreach task: outreach tasks run on the same SLA clocks.
    expect(body.sla.tasks).toBe(3);
    expect(body.outreach).toMatchObject({ total: 1, bySignal: { low_csat: 1 }, byOutcome: { outreach_task: 1 } });
    expect(body.firstResponse.ai.count).toBeGreaterThanOrEqual(2);
    expect(body.firstResponse.human.count).toBe(1);
    expect(body.resolution.human.count).toBe(1);
    expect(body.categoryPareto.reduce((sum: number, row: { count: number }) => sum + row.count, 0)).toBe(4);
    expect(body.categoryPareto.at(-1).cumulativePercent).toBe(100);
    expect(body.retention).toEqual(
      expect.arrayContaining([expect.objectContaining({ band: 'high', conversations: 1, cancellations: 1, rate: 1 })]),
    );
    expect(body.feedback).toEqual({ total: 0, byType: {}, byKind: {} });
  });

  it('when the window starts after the conversations, then nothing is counted', async () => {
    const since = new Date(Date.now() + 60_000).toISOString();
    const { body } = await tandem.call('GET', `/v1/metrics?since=${encodeURIComponent(since)}`, { token: operator });
    expect(body.conversations).toBe(0);
    expect(body.containment.rate).toBeNull();
  });

  it('when Prometheus scrapes /metrics with the operator key, then the product gauges are there; without it, 401', async () => {
    const response = await fetch(`${tandem.api.url}/metrics`, { headers: { authorization: `Bearer ${operator}` } });
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toContain('tandem_process_cpu_seconds_total');
    expect(text).toMatch(/tandem_conversations\{status="handoff"\} 1/);
    expect(text).toMatch(/tandem_conversations\{status="ai"\} 3/);
    expect(text).toMatch(/tandem_messages\{role="customer"\} 4/);
    expect(text).toMatch(/tandem_escalated_conversations\{reason="[^"]+"\} [12]/);
    expect(text).toMatch(/tandem_human_tasks\{status="resolved"\} 1/);
    expect((await fetch(`${tandem.api.url}/metrics`)).status).toBe(401);
    expect((await tandem.call('GET', '/v1/metrics')).status).toBe(401);
  });
});
