import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchHeadlessChromium } from '../support/browser';
import { agents, customer, startTandem, type Tandem } from '../support/harness';

// The agent console in real headless Chromium (Debian's package), against the real API and worker.

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

test('when an agent signs in, opens a task, claims, replies and resolves, then the customer has the reply and the task is resolved', async () => {
  const started = await tandem.call('POST', '/v1/conversations', {
    body: { customer: customer({ name: 'Console Customer' }), firstMessage: { messageId: 'm1', text: 'where is my order 1234?' } },
  });
  const { conversationId, token } = started.body;
  const handoff = await tandem.call('POST', `/v1/conversations/${conversationId}/messages`, {
    token,
    body: { messageId: 'm2', text: 'can I talk to a person' },
  });
  const taskId = handoff.body.handoff.taskId as string;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

  const item = await signInAndFindTask(page, taskId);
  const countdownText = await item.locator('.countdown').textContent();
  await item.click();
  await page.waitForSelector('#transcript .msg.customer');
  const aiOrSystemMarked = await page.locator('#transcript .msg.system').count();
  await page.click('#claim');
  await page.locator('#task-status', { hasText: /^claimed/ }).waitFor();
  await page.click('#suggested');
  const suggested = await page.inputValue('#reply-text');
  await page.click('#reply');
  await page.waitForSelector('#transcript .msg.agent');
  const aiTurn = page.locator('#transcript .msg.ai').first();
  await aiTurn.locator('select').selectOption('incomplete');
  await aiTurn.locator('textarea').fill('Your order #1234 left our warehouse yesterday.');
  await aiTurn.locator('button').click();
  await aiTurn.locator('.who', { hasText: /^Flagged/ }).waitFor();
  await page.fill('#resolution-note', 'answered from the console');
  await page.fill('#confirmed-category', 'order_status');
  await page.click('#resolve');
  await page.locator('#task-status', { hasText: /^resolved/ }).waitFor();
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'agent-console.png'), fullPage: true });

  const conversation = await tandem.call('GET', `/v1/conversations/${conversationId}`, { token });
  const feedback = await tandem.runtime.models.Feedback.find({ conversationId }).lean();
  expect(aiOrSystemMarked).toBeGreaterThan(0);
  expect(suggested.length).toBeGreaterThan(0);
  expect(conversation.body.transcript.filter((m: { role: string }) => m.role === 'agent')).toEqual([
    expect.objectContaining({ text: suggested, authorId: 'dana' }),
  ]);
  expect(feedback).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ kind: 'incomplete', correctedAnswer: 'Your order #1234 left our warehouse yesterday.' }),
      expect.objectContaining({ category: 'order_status' }),
    ]),
  );
  expect(countdownText).toMatch(/\d{2}m \d{2}s (left|overdue)/);
});

test('when an agent opens a handed-over task, then the decision record beside the transcript shows each message\'s rules and why it was handed over', async () => {
  const started = await tandem.call('POST', '/v1/conversations', {
    body: { customer: customer({ name: 'Why Customer' }), firstMessage: { messageId: 'm1', text: 'where is my order 1234?' } },
  });
  const { conversationId, token } = started.body;
  const handoff = await tandem.call('POST', `/v1/conversations/${conversationId}/messages`, { token, body: { messageId: 'm2', text: 'can I talk to a person' } });
  const taskId = handoff.body.handoff.taskId as string;
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });

  await (await signInAndFindTask(page, taskId)).click();
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

/** Signs in as Dana and returns the task's entry once the list shows it. */
async function signInAndFindTask(page: Page, taskId: string): Promise<Locator> {
  await page.goto(`${tandem.api.url}/console`);
  await page.fill('#token', dana.token);
  await page.click('#signin-form button[type=submit]');
  // The read model trails the workflow by a moment: refresh until the task is listed.
  const item = page.locator(`#tasks li[data-task-id="${taskId}"]`);
  for (let i = 0; i < 50 && (await item.count()) === 0; i += 1) {
    await page.click('#refresh');
    await page.waitForTimeout(200);
  }
  await item.waitFor();
  return item;
}
