import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchHeadlessChromium } from '../support/browser';
import { agents, customer, startTandem, type Tandem } from '../support/harness';

// The agent console shows why the AI handed a conversation over, beside the transcript, in real
// headless Chromium against the real API and worker.

const ARTIFACTS = join(__dirname, '..', 'artifacts');
const dana = agents[0]!;

let tandem: Tandem;
let browser: Browser;

beforeAll(async () => {
  tandem = await startTandem();
  browser = await launchHeadlessChromium();
});

afterAll(async () => {
  await browser?.close();
  await tandem?.stop();
});

test('when an agent opens a handed-over task, then the decision record beside the transcript shows each message\'s rules and why it was handed over', async () => {
  const started = await tandem.call('POST', '/v1/conversations', {
    body: { customer: customer({ name: 'Why Customer' }), firstMessage: { messageId: 'm1', text: 'where is my order 1234?' } },
  });
  const { conversationId, token } = started.body;
  const handoff = await tandem.call('POST', `/v1/conversations/${conversationId}/messages`, { token, body: { messageId: 'm2', text: 'can I talk to a person' } });
  const taskId = handoff.body.handoff.taskId as string;
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });

  await page.goto(`${tandem.api.url}/console`);
  await page.fill('#token', dana.token);
  await page.click('#signin-form button[type=submit]');
  // The read model trails the workflow by a moment: refresh until the task is listed.
  const item = page.locator(`#tasks li[data-task-id="${taskId}"]`);
  for (let i = 0; i < 50 && (await item.count()) === 0; i += 1) {
    await page.click('#refresh');
    await page.waitForTimeout(200);
  }
  await item.click();
  const handedOver = page.locator('#decisions .decision[data-message-id="m2"]');
  await handedOver.locator('tr.fired').first().waitFor();
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'decision-record.png'), fullPage: true });

  const entries = await page.locator('#decisions .decision').count();
  const outcome = await handedOver.locator('.outcome').textContent();
  const firedRules = await handedOver.locator('tr.fired').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-rule')));
  const ruleRows = await handedOver.locator('tr[data-rule]').count();
  const model = await handedOver.locator('.who').first().textContent();
  expect(entries).toBe(2);
  expect(outcome).toMatch(/^Message 2: handed over to \w+ \(\w+\): .*human_request/);
  expect(firedRules).toContain('human_request');
  expect(ruleRows).toBe(10);
  expect(model).toMatch(/confidence \d/);
});
