import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchHeadlessChromium } from '../support/browser';
import { createTandemClient } from '../../client';
import { agents, startTandem, testEnv, type Tandem } from '../support/harness';
import { sameTargetsForEveryPriority, writeSupportConfig } from '../support/support-config';

// The chat widget on the demo page in real headless Chromium, against the real API and worker: the
// visitor's side, the agent's console on the other, and the CSAT metric at the end.

const ARTIFACTS = join(__dirname, '..', 'artifacts');
const FIRST_RESPONSE_MINUTES = 15;
const dana = agents[0]!;

let tandem: Tandem;
let browser: Browser;
let operatorKey: string;

beforeAll(async () => {
  // Staffed around the clock, so the widget's promise does not depend on when the test runs.
  const config = writeSupportConfig((c) => sameTargetsForEveryPriority(c, { firstResponseMs: FIRST_RESPONSE_MINUTES * 60_000, resolutionMs: 86_400_000 }));
  const env = testEnv({ TANDEM_DEMO_PAGE: '1', TANDEM_SUPPORT_CONFIG: config });
  operatorKey = env.TANDEM_OPERATOR_KEYS[0] as string;
  tandem = await startTandem({ env });
  browser = await launchHeadlessChromium();
});

afterAll(async () => {
  await browser?.close();
  await tandem?.stop();
});

async function csatOfDana(): Promise<number> {
  const { data } = await createTandemClient(tandem.api.url, operatorKey).GET('/v1/metrics', {});
  return (data as { csat: { byAgent: Record<string, { ratings: number }> } }).csat.byAgent.dana?.ratings ?? 0;
}

test(
  'when a visitor asks a typo\'d question, asks for a person, the agent replies in the console and the visitor rates 5, then the visitor saw it all live and the CSAT metric moves',
  async () => {
    const ratingsBefore = await csatOfDana();
    const visitor = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const credentials = new Set<string>();
    const violations: string[] = [];
    visitor.on('request', (request) => {
      const header = request.headers().authorization;
      if (header) credentials.add(header.replace(/^Bearer /, '').split('.')[0] ?? '');
    });
    visitor.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });

    const demo = await visitor.goto(`${tandem.api.url}/demo`);
    const html = (await demo?.text()) ?? '';
    await visitor.getByRole('button', { name: 'Chat with us' }).click();
    const messageBox = visitor.getByLabel('Your message');
    // Runs in the page: the widget lives in a shadow root, whose own activeElement is the focused field.
    const focusedOnOpen = await messageBox.evaluate((el) => (el.getRootNode() as unknown as { activeElement: unknown }).activeElement === el);
    await messageBox.fill('hw do i chnage my shiping adress');
    await messageBox.press('Enter');
    const answer = visitor.locator('.msg.ai', { has: visitor.locator('.citations a') });
    await answer.waitFor({ timeout: 30_000 });
    const citation = await answer.locator('.citations a').first().getAttribute('href');

    await visitor.getByRole('button', { name: 'Talk to a person' }).click();
    const waiting = visitor.getByRole('status');
    await waiting.filter({ hasText: 'A person will join' }).waitFor({ timeout: 30_000 });
    const waitingText = await waiting.textContent();

    const agentConsole = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await agentConsole.goto(`${tandem.api.url}/console`);
    await agentConsole.fill('#token', dana.token);
    await agentConsole.click('#signin-form button[type=submit]');
    const task = agentConsole.locator('#tasks li');
    for (let i = 0; i < 50 && (await task.count()) === 0; i += 1) {
      await agentConsole.click('#refresh');
      await agentConsole.waitForTimeout(200);
    }
    await task.first().click();
    await agentConsole.click('#claim');
    await agentConsole.locator('#task-status', { hasText: /^claimed/ }).waitFor();
    const reply = 'Hi, I have changed the shipping address on your order to the new one.';
    await agentConsole.fill('#reply-text', reply);
    await agentConsole.click('#reply');

    await visitor.locator('.msg.agent', { hasText: reply }).waitFor({ timeout: 30_000 });
    await agentConsole.fill('#resolution-note', 'Address changed.');
    await agentConsole.click('#resolve');
    await agentConsole.locator('#task-status', { hasText: /^resolved/ }).waitFor();
    const rateFive = visitor.getByRole('button', { name: 'Rate 5 out of 5' });
    await rateFive.waitFor({ timeout: 30_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await visitor.screenshot({ path: join(ARTIFACTS, 'widget-desktop.png') });
    await visitor.setViewportSize({ width: 390, height: 844 });
    await visitor.screenshot({ path: join(ARTIFACTS, 'widget-390.png') });
    const panelWidth = await visitor.locator('.panel').evaluate((el) => el.getBoundingClientRect().width);
    await rateFive.click();
    await visitor.getByText('Thanks for rating us 5 out of 5.').waitFor();
    let ratingsAfter = await csatOfDana();
    for (let i = 0; i < 50 && ratingsAfter === ratingsBefore; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      ratingsAfter = await csatOfDana();
    }

    expect(focusedOnOpen).toBe(true);
    expect(citation).toMatch(/kb-change_shipping_address/);
    expect(waitingText).toBe(`A person will join; usually within ${FIRST_RESPONSE_MINUTES} minutes.`);
    expect(ratingsAfter).toBe(ratingsBefore + 1);
    expect(panelWidth).toBeLessThanOrEqual(390);
    // The page and every request it made held the visitor token only: never the API key or the conversation token.
    expect([...credentials]).toEqual(['v1']);
    expect(html).not.toContain(tandem.env.TANDEM_API_KEYS[0]);
    expect(html).toMatch(/data-token="v1\.\d+\.[\w-]+"/);
    expect(violations).toEqual([]);
  },
  180_000,
);

test('when a visitor comes back, then the session resumes their conversation; their token is refused on any other, and cannot start one', async () => {
  const apiKey = tandem.env.TANDEM_API_KEYS[0] as string;
  const backend = createTandemClient(tandem.api.url, apiKey);
  const mine = await backend.POST('/v1/widget/sessions', { body: { visitor: { id: 'visitor-widget-a' } } });
  const theirs = await backend.POST('/v1/widget/sessions', { body: { visitor: { id: 'visitor-widget-b' } } });
  const mineAgain = await backend.POST('/v1/widget/sessions', { body: { visitor: { id: 'visitor-widget-a' } } });
  const visitor = createTandemClient(tandem.api.url, mine.data?.token);

  const own = await visitor.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId: mine.data!.conversationId } } });
  const other = await visitor.GET('/v1/conversations/{conversationId}', { params: { path: { conversationId: theirs.data!.conversationId } } });
  const start = await visitor.POST('/v1/conversations', { body: { customer: { id: 'x', name: 'X' } } });

  expect(mine.response.status).toBe(201);
  expect(mineAgain.data).toEqual(expect.objectContaining({ conversationId: mine.data?.conversationId, resumed: true }));
  expect(own.response.status).toBe(200);
  expect(other.response.status).toBe(403);
  expect(other.error).toEqual({ error: expect.objectContaining({ code: 'forbidden' }) });
  expect(start.response.status).toBe(401);
});
