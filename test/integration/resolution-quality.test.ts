import { launchHeadlessChromium } from '../support/browser';
import { agents, startTandem, type Tandem } from '../support/harness';

// Quality of resolution from a seeded set of conversations whose outcomes are known by hand: each
// row says whether it is a first contact and whether it was reopened, and the expected figures are
// counted from those annotations, not by the code under test.

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;
const AI_ANSWERS_IN_MS = 5 * 60 * 1000;

interface Seed {
  id: string;
  customerId: string;
  category?: string;
  daysAgo: number;
  /** 'ai', an agent id, or nothing when still open. */
  resolvedBy?: string;
  /** By hand: no conversation of the customer's about the same category in the 7 days before. */
  firstContact: boolean;
  /** By hand: the customer came back about the same category within 7 days of the resolution. */
  reopened: boolean;
  rating?: number;
  outreachDaysAgo?: number;
}

// The default reopen window is 7 days. Customer a: A is reopened by B; C comes 13 days after B, a
// first contact again. Customer b: D is reopened by E (still open); F is another category. Customer
// d: J follows I, which was created before the 30-day window. K was reached out to, then rated 1.
const seeds: Seed[] = [
  { id: 'qa', customerId: 'cust-a', category: 'billing', daysAgo: 20, resolvedBy: 'ai', firstContact: true, reopened: true },
  { id: 'qb', customerId: 'cust-a', category: 'billing', daysAgo: 18, resolvedBy: 'dana', firstContact: false, reopened: false },
  { id: 'qc', customerId: 'cust-a', category: 'billing', daysAgo: 5, resolvedBy: 'ai', firstContact: true, reopened: false },
  { id: 'qd', customerId: 'cust-b', category: 'how_to', daysAgo: 10, resolvedBy: 'sam', firstContact: true, reopened: true },
  { id: 'qe', customerId: 'cust-b', category: 'how_to', daysAgo: 9, firstContact: false, reopened: false },
  { id: 'qf', customerId: 'cust-b', category: 'billing', daysAgo: 8, resolvedBy: 'ai', firstContact: true, reopened: false },
  { id: 'qi', customerId: 'cust-d', category: 'account', daysAgo: 32, resolvedBy: 'ai', firstContact: true, reopened: true },
  { id: 'qj', customerId: 'cust-d', category: 'account', daysAgo: 29, resolvedBy: 'ai', firstContact: false, reopened: false },
  { id: 'qk', customerId: 'cust-e', category: 'complaint', daysAgo: 2, resolvedBy: 'dana', firstContact: true, reopened: false, rating: 1, outreachDaysAgo: 1.5 },
  { id: 'ql', customerId: 'cust-f', daysAgo: 4, resolvedBy: 'ai', firstContact: true, reopened: false, rating: 5 },
];
const WINDOW_DAYS = 30;

let tandem: Tandem;
const now = Date.now();
const ago = (days: number) => new Date(now - days * DAY);

async function seed(s: Seed): Promise<void> {
  const { Conversation, Message, Task, Outreach } = tandem.runtime.models;
  const createdAt = ago(s.daysAgo);
  const human = s.resolvedBy !== undefined && s.resolvedBy !== 'ai';
  const taskId = `handoff-${s.id}-1`;
  const messages = [{ role: 'customer', at: createdAt }, ...(s.resolvedBy === 'ai' ? [{ role: 'ai', at: new Date(createdAt.getTime() + AI_ANSWERS_IN_MS) }] : [])];
  await Message.insertMany(
    messages.map((m, seq) => ({ _id: `${s.id}:m${seq}`, conversationId: s.id, messageId: `m${seq}`, seq, role: m.role, text: 'seeded', at: m.at })),
  );
  await Conversation.create({
    _id: s.id,
    customerId: s.customerId,
    customer: { id: s.customerId, name: 'Seeded Customer' },
    status: s.resolvedBy === 'ai' ? 'closed' : 'ai',
    category: s.category,
    escalationReasons: human || !s.resolvedBy ? ['customer_request'] : [],
    handoffTaskIds: human || !s.resolvedBy ? [taskId] : [],
    messageCount: messages.length,
    rating: s.rating ? { score: s.rating, at: ago(s.daysAgo - 1), handler: s.resolvedBy } : undefined,
    createdAt,
    updatedAt: createdAt,
    version: 1,
  });
  if (human || !s.resolvedBy) {
    await Task.create({
      _id: taskId,
      conversationId: s.id,
      queue: 'general',
      priority: 'normal',
      priorityRank: 2,
      status: human ? 'resolved' : 'waiting',
      assignee: human ? s.resolvedBy : undefined,
      slaBreached: false,
      createdAt,
      resolvedAt: human ? new Date(createdAt.getTime() + HOUR) : undefined,
      updatedAt: createdAt,
      version: 1,
    });
  }
  if (s.outreachDaysAgo !== undefined) {
    await Outreach.create({ _id: `csat-${s.id}`, customerId: s.customerId, conversationId: s.id, kind: 'low_csat', outcome: 'outreach_task', at: ago(s.outreachDaysAgo) });
  }
}

/** The expected figures, counted from the annotations of the rows a handler resolved (all rows for overall). */
function expected(rows: Seed[], overall: boolean) {
  const resolved = rows.filter((s) => s.resolvedBy !== undefined);
  const first = (overall ? rows : resolved).filter((s) => s.firstContact);
  return {
    resolved: resolved.length,
    reopened: resolved.filter((s) => s.reopened).length,
    firstContacts: first.length,
    resolvedOnFirstContact: first.filter((s) => s.resolvedBy !== undefined && !s.reopened).length,
  };
}

beforeAll(async () => {
  tandem = await startTandem();
  for (const s of seeds) await seed(s);
});

afterAll(async () => {
  await tandem?.stop();
});

test('when conversations with known outcomes are seeded, then reopen rate and first-contact resolution match the hand count, overall and per handler', async () => {
  const operator = tandem.env.TANDEM_OPERATOR_KEYS[0] as string;
  const since = ago(WINDOW_DAYS).toISOString();

  const { status, body } = await tandem.call('GET', `/v1/metrics?since=${encodeURIComponent(since)}`, { token: operator });

  expect(status).toBe(200);
  const inWindow = seeds.filter((s) => s.daysAgo <= WINDOW_DAYS);
  const by = (handler: string) => inWindow.filter((s) => s.resolvedBy === handler);
  expect(body.quality.overall).toMatchObject({ conversations: inWindow.length, ...expected(inWindow, true) });
  expect(body.quality.ai).toMatchObject(expected(by('ai'), false));
  expect(body.quality.byAgent.dana).toMatchObject(expected(by('dana'), false));
  expect(body.quality.byAgent.sam).toMatchObject(expected(by('sam'), false));
  // The same figures by hand, as numbers: 8 resolved, 2 reopened (A by B, D by E); 6 first contacts, 4 of them resolved for good.
  expect(body.quality.overall).toMatchObject({ resolved: 8, reopened: 2, reopenRate: 0.25, firstContacts: 6, resolvedOnFirstContact: 4 });
  expect(body.quality.overall.firstContactResolutionRate).toBeCloseTo(4 / 6);
  expect(body.quality.ai.timeToResolution).toMatchObject({ count: 5, medianMs: AI_ANSWERS_IN_MS });
  expect(body.quality.byAgent.dana.timeToResolution).toMatchObject({ count: 2, medianMs: HOUR });
  expect(body.outreach).toMatchObject({ total: 1, bySignal: { low_csat: 1 }, byOutcome: { outreach_task: 1 }, csatAfter: { ratings: 1, average: 1 } });
});

test('when Prometheus scrapes, then reopen and first-contact resolution rates are gauges per handler', async () => {
  const operator = tandem.env.TANDEM_OPERATOR_KEYS[0] as string;
  const res = await fetch(`${tandem.api.url}/metrics`, { headers: { authorization: `Bearer ${operator}` } });
  const text = await res.text();

  expect(text).toContain('tandem_resolution_quality{measure="reopen_rate",handler="overall"} 0.25');
  expect(text).toContain('tandem_resolution_quality{measure="reopen_rate",handler="sam"} 1');
  expect(text).toContain('tandem_resolution_quality{measure="first_contact_resolution_rate",handler="dana"} 1');
  expect(text).toContain('tandem_resolution_quality{measure="csat_after_outreach",handler="overall"} 1');
});

test('when a team lead asks, then the same figures come from the agent API; another agent is refused', async () => {
  const [dana, sam] = agents as [(typeof agents)[number], (typeof agents)[number]];
  const since = encodeURIComponent(ago(WINDOW_DAYS).toISOString());

  const lead = await tandem.call('GET', `/v1/agent/quality?since=${since}`, { token: dana.token });
  const other = await tandem.call('GET', `/v1/agent/quality?since=${since}`, { token: sam.token });

  expect(lead.status).toBe(200);
  expect(lead.body.quality.overall).toMatchObject({ resolved: 8, reopened: 2, firstContacts: 6, resolvedOnFirstContact: 4 });
  expect(other.status).toBe(403);
  expect(other.body.error.code).toBe('not_a_team_lead');
});

test("when a team lead signs in to the console, then the team's quality table is shown; another agent does not see it", async () => {
  const [dana, sam] = agents as [(typeof agents)[number], (typeof agents)[number]];
  const browser = await launchHeadlessChromium();
  try {
    const signIn = async (token: string) => {
      const page = await browser.newPage();
      await page.goto(`${tandem.api.url}/console`);
      await page.fill('#token', token);
      await page.click('#signin-form button[type=submit]');
      await page.waitForSelector('#console:not([hidden])');
      return page;
    };
    const leadPage = await signIn(dana.token);
    await leadPage.waitForSelector('#team:not([hidden])');
    const rows = await leadPage.locator('#team-table tbody tr').allTextContents();
    const otherPage = await signIn(sam.token);
    await otherPage.waitForTimeout(1000);

    expect(rows[0]).toBe('Everyone825%67%5 min–');
    expect(rows.map((row) => row.split(/\d/)[0])).toEqual(['Everyone', 'AI', 'dana', 'sam']);
    expect(await otherPage.locator('#team').isHidden()).toBe(true);
  } finally {
    await browser.close();
  }
}, 60_000);
