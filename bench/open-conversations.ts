// Memory with many open, idle conversations, and the time to bring them all back after a worker
// restart (each must answer a read of its state, which replays it on the new worker).
//   npm run bench:open -- [--conversations 1000] [--concurrency 20]
import { randomUUID } from 'node:crypto';
import { flags, printTable, round } from './load';
import { startBenchStack } from './stack';

async function inBatches<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function main(): Promise<void> {
  const opts = flags(process.argv.slice(2), { conversations: '1000', concurrency: '20' });
  const total = Number(opts.conversations);
  const concurrency = Number(opts.concurrency);
  const stack = await startBenchStack();
  try {
    // Once quiet, not right after the load: a heap not yet collected varied the figure by 40 MB.
    const settled = async () => ({ worker: await stack.settledRssMb('worker'), api: await stack.settledRssMb('api') });
    const idle = await settled();
    const opened: { conversationId: string; token: string }[] = [];
    const t0 = Date.now();
    await inBatches(Array.from({ length: total }, (_, i) => i), concurrency, async (i) => {
      const res = await fetch(`${stack.apiUrl}/v1/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          customer: { id: `open-${i}`, name: 'Open Customer', email: 'open@example.com' },
          conversationId: `open-${randomUUID()}`,
          firstMessage: { messageId: 'm1', text: 'where is my order 1001?' },
        }),
      });
      if (res.status !== 201) throw new Error(`start answered ${res.status}`);
      opened.push((await res.json()) as { conversationId: string; token: string });
    });
    const openSeconds = (Date.now() - t0) / 1000;
    const open = await settled();

    await stack.restartWorker();
    const t1 = Date.now();
    await inBatches(opened, concurrency, async (c) => {
      for (;;) {
        const res = await fetch(`${stack.apiUrl}/v1/conversations/${c.conversationId}`, { headers: { authorization: `Bearer ${c.token}` } });
        if (res.status === 200) return;
        await new Promise((r) => setTimeout(r, 200)); // the new worker is still starting
      }
    });
    const restoreSeconds = (Date.now() - t1) / 1000;
    const restored = await settled();

    printTable(
      ['phase', 'worker RSS MB', 'API RSS MB', 'seconds'],
      [
        ['idle', round(idle.worker), round(idle.api), ''],
        [`${total} open`, round(open.worker), round(open.api), round(openSeconds)],
        ['after restart, all read back', round(restored.worker), round(restored.api), round(restoreSeconds)],
      ],
    );
    process.stdout.write(
      `${JSON.stringify({ benchmark: 'open-conversations', conversations: total, rssMb: { idle, open, restored }, openSeconds, restoreSeconds })}\n`,
    );
  } finally {
    await stack.stop();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
