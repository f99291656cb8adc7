import { NativeConnection } from '@temporalio/worker';
import { parse as parseCsv } from 'csv-parse/sync';
import { formatCsv } from '../../ai/csv';
import { workerAliveFile } from '../../config/paths';
import { createLogger } from '../../app/logger';
import { PARETO_CHART_SIZE } from '../../report/pareto-chart';
import { createActivityRuntime, createWorkers, type WorkerActivities } from '../../workers/runtime';
import { startTandem, workflowBundle, type Tandem } from '../support/harness';
import { pngSize } from '../support/png-size';
import { auditWorkflowId } from '../../domain/ids';

// Ticket audits through the real API, worker, Temporal and FerretDB, with the embedded model.

const PHRASES = [
  'where is my order {n}? it has not arrived yet',
  'I want to cancel my order {n}',
  'how do I reset my password, I forgot it',
  'can I get a refund for order {n}',
  'I need to talk to a real person please',
  'how can I change the shipping address of order {n}',
  'what payment methods do you accept',
  'I want to file a complaint about your service',
  'I need the invoice for order {n}',
  'how long does delivery take to my country',
];

function ticketsCsv(count: number): string {
  const rows = [['id', 'date', 'text', 'channel']];
  for (let i = 0; i < count; i++) {
    const text = (PHRASES[i % PHRASES.length] as string).replace('{n}', String(100000 + i));
    rows.push([`T-${i + 1}`, new Date(Date.UTC(2026, 0, 1 + (i % 28))).toISOString().slice(0, 10), text, i % 2 ? 'email' : 'chat']);
  }
  return formatCsv(rows);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(200);
  }
}

async function download(tandem: Tandem, path: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const response = await fetch(`${tandem.api.url}${path}`, { headers: { authorization: `Bearer ${tandem.env.TANDEM_OPERATOR_KEYS[0]}` } });
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

function completedAudit(tandem: Tandem, auditId: string) {
  const operator = tandem.env.TANDEM_OPERATOR_KEYS[0] as string;
  return async () => {
    const { body } = await tandem.call('GET', `/v1/audits/${auditId}`, { token: operator });
    return body.status === 'completed' ? body : undefined;
  };
}

async function expectEveryTicketCategorisedOnce(tandem: Tandem, auditId: string, count: number): Promise<void> {
  const tickets = await tandem.runtime.models.AuditTicket.find({ auditId }).lean();
  expect(tickets).toHaveLength(count);
  expect(tickets.every((t) => typeof t.category === 'string' && t.categorisedAt instanceof Date)).toBe(true);
  expect(new Set(tickets.map((t) => t.ticketId)).size).toBe(count);
}

describe('ticket audit', () => {
  let tandem: Tandem;
  let operator: string;

  beforeAll(async () => {
    tandem = await startTandem();
    operator = tandem.env.TANDEM_OPERATOR_KEYS[0] as string;
  });
  afterAll(async () => {
    await tandem?.stop();
  }, 60_000);

  it('when 250 tickets are uploaded as CSV, then each is categorised once and the Pareto table, CSV and chart are served', async () => {
    const started = await tandem.call('POST', '/v1/audits', {
      token: operator,
      body: { format: 'csv', content: ticketsCsv(250), source: 'tickets.csv', batchSize: 50 },
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ total: 250, skipped: 0, batches: 5, columns: { id: 'id', date: 'date', text: 'text' } });
    const auditId = started.body.auditId as string;

    const audit = await until(completedAudit(tandem, auditId), 60_000);

    const { pareto, categorised, automationCandidates, humanCentric } = audit.result;
    expect(categorised).toBe(250);
    expect(pareto.reduce((sum: number, row: { count: number }) => sum + row.count, 0)).toBe(250);
    expect(Math.round(pareto.reduce((sum: number, row: { percent: number }) => sum + row.percent, 0) * 10) / 10).toBe(100);
    expect(pareto.at(-1).cumulativePercent).toBe(100);
    expect(automationCandidates.length).toBeGreaterThan(0);
    expect(humanCentric.map((r: { category: string }) => r.category)).toEqual(expect.arrayContaining(['cancellation']));
    await expectEveryTicketCategorisedOnce(tandem, auditId, 250);

    const csv = await download(tandem, `/v1/audits/${auditId}/tickets.csv`);
    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/^text\/csv/);
    const [header, ...rows] = parseCsv(csv.bytes.toString('utf8'));
    expect(header).toEqual(['Ticket ID', 'Date', 'Category', 'Confidence', 'Intent', 'channel']);
    expect(rows).toHaveLength(250);
    expect(new Set(rows.map((r) => r[0])).size).toBe(250);
    expect(rows[0]).toEqual(['T-1', '2026-01-01', expect.any(String), expect.stringMatching(/^[01]\.\d{3}$/), expect.any(String), 'chat']);
    expect(rows.every((r) => (r[2] ?? '') !== '')).toBe(true);

    const png = await download(tandem, `/v1/audits/${auditId}/pareto.png`);
    expect(png.status).toBe(200);
    expect(png.type).toBe('image/png');
    expect([...png.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(pngSize(png.bytes)).toEqual(PARETO_CHART_SIZE);
  }, 90_000);

  it('when tickets come as JSON with their own column names, then those columns are used and other fields are kept', async () => {
    const tickets = PHRASES.map((text, i) => ({ ref: `J${i}`, opened: '2026-02-01', body_text: text.replace('{n}', '42'), meta: { vip: i === 0 } }));
    const started = await tandem.call('POST', '/v1/audits', {
      token: operator,
      body: { format: 'json', content: JSON.stringify(tickets), columns: { id: 'ref', date: 'opened', text: 'body_text' } },
    });
    expect(started.status).toBe(202);
    const audit = await until(completedAudit(tandem, started.body.auditId), 30_000);
    expect(audit.result.categorised).toBe(PHRASES.length);
    const csv = parseCsv((await download(tandem, `/v1/audits/${started.body.auditId}/tickets.csv`)).bytes.toString('utf8'));
    expect(csv[0]).toEqual(['Ticket ID', 'Date', 'Category', 'Confidence', 'Intent', 'meta']);
    expect(csv[1]?.[0]).toBe('J0');
    expect(csv[1]?.[5]).toBe('{"vip":true}');
  });

  it('when an audit runs, then its workflow runs on the conversations queue and its heavy steps on the batch queue', async () => {
    const started = await tandem.call('POST', '/v1/audits', { token: operator, body: { format: 'csv', content: ticketsCsv(20), batchSize: 10 } });
    await until(completedAudit(tandem, started.body.auditId), 30_000);

    const handle = tandem.api.deps.temporal.workflow.getHandle(auditWorkflowId(started.body.auditId));
    expect((await handle.describe()).taskQueue).toBe(tandem.env.TEMPORAL_TASK_QUEUE);
    const scheduled = (await handle.fetchHistory()).events!.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
    expect(scheduled.map((a) => [a.activityType?.name, a.taskQueue?.name])).toEqual([
      ['categorizeAuditBatch', tandem.env.TEMPORAL_BATCH_TASK_QUEUE],
      ['categorizeAuditBatch', tandem.env.TEMPORAL_BATCH_TASK_QUEUE],
      ['summarizeAudit', tandem.env.TEMPORAL_BATCH_TASK_QUEUE],
    ]);
  });

  it('when the upload is unusable or the caller is not an operator, then it is refused before anything starts', async () => {
    const noText = await tandem.call('POST', '/v1/audits', { token: operator, body: { format: 'csv', content: 'id,subject\n1,hello\n' } });
    expect(noText.status).toBe(422);
    expect(noText.body.error.code).toBe('missing_column');
    const duplicate = await tandem.call('POST', '/v1/audits', { token: operator, body: { format: 'csv', content: 'id,text\n1,a\n1,b\n' } });
    expect(duplicate.body.error.code).toBe('duplicate_ticket_id');
    const notOperator = await tandem.call('POST', '/v1/audits', { body: { format: 'csv', content: 'id,text\n1,a\n' } });
    expect(notOperator.status).toBe(401);
    const unknown = await tandem.call('GET', '/v1/audits/nope', { token: operator });
    expect(unknown.status).toBe(404);
  });

  it('when an upload is larger than the API-wide 64 kB body limit, then the audit route still takes it', async () => {
    const content = ticketsCsv(1500);
    expect(content.length).toBeGreaterThan(64 * 1024);
    const started = await tandem.call('POST', '/v1/audits', { token: operator, body: { format: 'csv', content } });
    expect(started.status).toBe(202);
    expect(started.body.total).toBe(1500);
    expect(await tandem.runtime.models.AuditTicket.countDocuments({ auditId: started.body.auditId })).toBe(1500);
  });
});

describe('ticket audit across a worker restart', () => {
  it('when the worker stops mid-way and another starts on the same task queues, then the audit completes with every ticket categorised once', async () => {
    const batchesBy = { first: 0, second: 0 };
    // Slow batches, so the restart lands in the middle of the audit.
    const slowBatches = (worker: keyof typeof batchesBy) => (real: WorkerActivities): WorkerActivities => ({
      ...real,
      categorizeAuditBatch: async (batch) => {
        await sleep(400);
        const result = await real.categorizeAuditBatch(batch);
        batchesBy[worker] += 1;
        return result;
      },
    });
    const tandem = await startTandem({ activities: slowBatches('first') });
    const operator = tandem.env.TANDEM_OPERATOR_KEYS[0] as string;
    const runtime = await createActivityRuntime(tandem.env, createLogger('second-worker', 'silent'));
    const connection = await NativeConnection.connect({ address: tandem.env.TEMPORAL_ADDRESS });
    try {
      const started = await tandem.call('POST', '/v1/audits', { token: operator, body: { format: 'csv', content: ticketsCsv(250), batchSize: 25 } });
      expect(started.status).toBe(202);
      const auditId = started.body.auditId as string;
      await until(async () => {
        const { body } = await tandem.call('GET', `/v1/audits/${auditId}`, { token: operator });
        return body.progress.categorised >= 50 ? true : undefined;
      }, 30_000);

      tandem.workers.shutdown();
      const second = await createWorkers({
        connection,
        namespace: tandem.env.TEMPORAL_NAMESPACE,
        taskQueue: tandem.env.TEMPORAL_TASK_QUEUE,
        batchTaskQueue: tandem.env.TEMPORAL_BATCH_TASK_QUEUE,
        activities: slowBatches('second')(runtime.activities),
        workflowBundle: await workflowBundle(),
        heartbeat: { models: runtime.models, log: createLogger('test-worker', 'silent'), aliveFile: workerAliveFile() },
      });
      const running = second.run();
      try {
        const audit = await until(completedAudit(tandem, auditId), 90_000);
        expect(audit.result.categorised).toBe(250);
        expect(audit.result.pareto.reduce((sum: number, row: { count: number }) => sum + row.count, 0)).toBe(250);
        await expectEveryTicketCategorisedOnce(tandem, auditId, 250);
        expect(batchesBy.first).toBeGreaterThanOrEqual(2);
        expect(batchesBy.second).toBeGreaterThanOrEqual(1);
      } finally {
        second.shutdown();
        await running;
      }
    } finally {
      await tandem.stop();
      await connection.close();
      await runtime.close();
    }
  }, 150_000);
});
