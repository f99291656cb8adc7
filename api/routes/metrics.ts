import { Router } from 'express';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { productCounts, qualitySamples, supportMetrics } from '../../app/metrics';
import type { ApiDeps } from '../deps';
import { metricsQuery } from '../schemas';

/**
 * Support metrics as JSON for operators, and Prometheus metrics. `/metrics` needs an operator key
 * too: its gauges count conversations, escalations and messages, which is business data. Scrape it
 * with `authorization: { credentials: <operator key> }` in the Prometheus job.
 */
export function metricsRoutes(deps: ApiDeps): Router {
  const { auth } = deps;
  const router = Router();

  // One registry per app, so several apps in one process (tests) do not clash.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tandem_' });
  // Counted from the read models at scrape time: correct whichever API replica is scraped.
  let counts: Promise<Awaited<ReturnType<typeof productCounts>>> | undefined;
  const freshCounts = () => (counts ??= productCounts(deps).finally(() => setImmediate(() => (counts = undefined))));
  const gauge = (name: string, help: string, label: string, pick: (c: Awaited<ReturnType<typeof productCounts>>) => Record<string, number>) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      async collect() {
        const values = pick(await freshCounts());
        this.reset();
        for (const [value, n] of Object.entries(values)) this.set({ [label]: value }, n);
      },
    });
  gauge('tandem_conversations', 'Conversations by status (ai, handoff, closed)', 'status', (c) => c.conversationsByStatus);
  gauge('tandem_escalated_conversations', 'Conversations handed to a person, by escalation reason', 'reason', (c) => c.escalationsByReason);
  gauge('tandem_messages', 'Messages handled, by author role', 'role', (c) => c.messagesByRole);
  gauge('tandem_human_tasks', 'Human tasks by status', 'status', (c) => c.tasksByStatus);
  new Gauge({
    name: 'tandem_resolution_quality',
    help: 'Over the last 30 days: reopen rate, first-contact resolution rate and CSAT after outreach, by handler (overall, ai, agent id)',
    labelNames: ['measure', 'handler'],
    registers: [registry],
    async collect() {
      const samples = await qualitySamples(deps);
      this.reset();
      for (const { measure, handler, value } of samples) this.set({ measure, handler }, value);
    },
  });

  router.get('/metrics', auth.operator, async (_req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.send(await registry.metrics());
  });

  router.get('/v1/metrics', auth.operator, async (req, res) => {
    res.json(await supportMetrics(deps, metricsQuery.parse(req.query)));
  });

  return router;
}
