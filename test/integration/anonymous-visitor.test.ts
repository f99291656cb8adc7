import { randomBytes } from 'node:crypto';
import { launchHeadlessChromium } from '../support/browser';
import { createTandemClient } from '../../client';
import { startTandem, testEnv, type Tandem } from '../support/harness';
import { writeSupportConfig } from '../support/support-config';

// Anonymous visitors through the widget's routes, with the typed client: a public widget key that
// works on the allowed site only, an email asked for while nobody is at work, and the CSAT rules
// (asked after a resolution, once).

const SHOP = 'https://shop.example';
const WIDGET_KEY = `wk-${randomBytes(12).toString('hex')}`;

let tandem: Tandem;
let operatorKey: string;

beforeAll(async () => {
  // The team works one day a week, never today or tomorrow: every handoff here is off hours.
  const awayDay = (new Date().getUTCDay() + 3) % 7;
  const config = writeSupportConfig((c) => {
    c.sla.timeZone = 'UTC';
    c.sla.businessHours = [{ day: awayDay, start: '09:00', end: '17:00' }];
    c.sla.holidays = [];
    for (const policy of Object.values(c.sla.policies)) policy.calendar = 'business';
  });
  const env = testEnv({ TANDEM_SUPPORT_CONFIG: config, TANDEM_WIDGET_KEYS: WIDGET_KEY, TANDEM_WIDGET_ORIGINS: SHOP, TANDEM_DEMO_PAGE: '1' });
  operatorKey = env.TANDEM_OPERATOR_KEYS[0] as string;
  tandem = await startTandem({ env });
});

afterAll(async () => {
  await tandem?.stop();
});

/** A client as a browser on `origin` would be: the origin header is what the browser sets. */
function browserOn(origin: string, credential?: string) {
  return createTandemClient(tandem.api.url, credential, (input, init) => {
    const request = new Request(input, init);
    request.headers.set('origin', origin);
    return fetch(request);
  });
}

async function widgetSession() {
  const { data, response } = await browserOn(SHOP, WIDGET_KEY).POST('/v1/widget/sessions', { body: { visitor: { id: 'chosen-by-the-browser' } } });
  expect(response.status).toBe(201);
  return data!;
}

test('when a widget key is used on the allowed site, then it starts an anonymous conversation; elsewhere it is refused', async () => {
  const elsewhere = await browserOn('https://evil.example', WIDGET_KEY).POST('/v1/widget/sessions', { body: {} });
  const preflight = await fetch(`${tandem.api.url}/v1/widget/sessions`, {
    method: 'OPTIONS',
    headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  const session = await widgetSession();

  const conversation = await browserOn(SHOP, session.token).GET('/v1/conversations/{conversationId}', {
    params: { path: { conversationId: session.conversationId } },
  });

  expect(elsewhere.response.status).toBe(403);
  expect(elsewhere.error).toEqual({ error: expect.objectContaining({ code: 'origin_not_allowed' }) });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(SHOP);
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  expect(conversation.response.headers.get('access-control-allow-origin')).toBe(SHOP);
  // A browser may not name the visitor (anyone can read a widget key): the id is minted.
  expect((conversation.data as { customer?: { id: string } }).customer?.id).toMatch(/^visitor-/);
  expect(session.resumed).toBe(false);
});

test('when an anonymous visitor is handed over while the team is away, then an email is asked for until one is left', async () => {
  const session = await widgetSession();
  const visitor = browserOn(SHOP, session.token);
  const path = { params: { path: { conversationId: session.conversationId } } };

  const handoff = await visitor.POST('/v1/conversations/{conversationId}/human', { ...path, body: { requestId: 'h1' } });
  const before = await visitor.GET('/v1/conversations/{conversationId}', path);
  const left = await visitor.POST('/v1/conversations/{conversationId}/email', { ...path, body: { requestId: 'e1', email: 'visitor@example.com' } });
  const after = await visitor.GET('/v1/conversations/{conversationId}', path);

  expect(handoff.data?.status).toBe('handoff');
  expect(handoff.data?.reply?.text).toMatch(/^Thanks\. .*away right now.*Leave your email address/);
  expect(before.data?.prompts).toEqual({ personWait: { staffedNow: false, notice: expect.stringMatching(/They are back on/) }, askForEmail: true, askForRating: false });
  expect(left.response.status).toBe(200);
  expect(after.data?.prompts?.askForEmail).toBe(false);
  expect(after.data?.transcript.at(-1)?.text).toMatch(/visitor@example\.com/);
});

test('when the AI resolves the conversation with a goodbye, then the visitor is asked to rate once, and the AI CSAT moves', async () => {
  const session = await widgetSession();
  const visitor = browserOn(SHOP, session.token);
  const path = { params: { path: { conversationId: session.conversationId } } };
  const aiRatings = async () => {
    const { data } = await createTandemClient(tandem.api.url, operatorKey).GET('/v1/metrics', {});
    return (data as { csat: { ai: { ratings: number } } }).csat.ai.ratings;
  };
  const ratingsBefore = await aiRatings();

  const goodbye = await visitor.POST('/v1/conversations/{conversationId}/messages', { ...path, body: { messageId: 'm1', text: 'ok thanks, bye!' } });
  const asked = await visitor.GET('/v1/conversations/{conversationId}', path);
  const first = await visitor.POST('/v1/conversations/{conversationId}/rating', { ...path, body: { score: 5 } });
  const second = await visitor.POST('/v1/conversations/{conversationId}/rating', { ...path, body: { score: 1 } });
  const afterwards = await visitor.GET('/v1/conversations/{conversationId}', path);
  let ratingsAfter = await aiRatings();
  for (let i = 0; i < 50 && ratingsAfter === ratingsBefore; i += 1) {
    await new Promise((r) => setTimeout(r, 200));
    ratingsAfter = await aiRatings();
  }

  expect(goodbye.data?.status).toBe('closed');
  expect(asked.data?.prompts?.askForRating).toBe(true);
  expect(first.response.status).toBe(200);
  expect(second.response.status).toBe(409);
  expect(second.error).toEqual({ error: expect.objectContaining({ code: 'already_rated' }) });
  expect(afterwards.data?.prompts?.askForRating).toBe(false);
  expect(afterwards.data?.rating?.score).toBe(5);
  expect(ratingsAfter).toBe(ratingsBefore + 1);
});

test('when a visitor on the demo page asks for a person off hours with the keyboard only, then the widget asks for an email and confirms it', async () => {
  const browser = await launchHeadlessChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${tandem.api.url}/demo`);

    await page.keyboard.press('Tab'); // the launcher is the page's first control
    await page.keyboard.press('Enter'); // opens the chat, focus in the message field
    await page.keyboard.press('Tab'); // Send
    await page.keyboard.press('Tab'); // Talk to a person
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'away right now' }).waitFor({ timeout: 30_000 });
    const emailField = page.getByLabel('Your email address, so the answer reaches you');
    await emailField.fill('visitor@example.com');
    await emailField.press('Enter');
    await page.locator('.msg.system', { hasText: 'visitor@example.com' }).waitFor({ timeout: 30_000 });
    await emailField.waitFor({ state: 'hidden' });

    expect(await page.locator('.msg.system').first().textContent()).toMatch(/Leave your email address/);
  } finally {
    await browser.close();
  }
}, 120_000);
