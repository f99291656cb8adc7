import { computeSupportMetrics, productCounts as countProducts } from '../db/metrics';
import type { AgentConfig } from '../config/env';
import type { AppContext } from './context';
import { AppError } from './errors';

/** The figures an operator reads when no window is asked for: the last 30 days. */
const DEFAULT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export function supportMetrics(ctx: AppContext, window: { since?: string }) {
  const until = new Date();
  const since = window.since ? new Date(window.since) : new Date(until.getTime() - DEFAULT_WINDOW_MS);
  return computeSupportMetrics(ctx.models, { since, until, config: ctx.supportConfig });
}

/** Conversations, escalations, messages and tasks counted now: the Prometheus gauges. */
export function productCounts(ctx: Pick<AppContext, 'models'>) {
  return countProducts(ctx.models);
}

/**
 * Quality of resolution over the default window as Prometheus samples: reopen rate, first-contact
 * resolution rate and CSAT after outreach, per handler (overall, ai, each agent). Rates with no
 * conversations behind them are left out rather than reported as 0.
 */
export async function qualitySamples(ctx: AppContext): Promise<Array<{ measure: string; handler: string; value: number }>> {
  const { quality, outreach } = await supportMetrics(ctx, {});
  const handlers = { overall: quality.overall, ai: quality.ai, ...quality.byAgent };
  const samples = Object.entries(handlers).flatMap(([handler, figures]) => [
    { measure: 'reopen_rate', handler, value: figures.reopenRate },
    { measure: 'first_contact_resolution_rate', handler, value: figures.firstContactResolutionRate },
  ]);
  samples.push({ measure: 'csat_after_outreach', handler: 'overall', value: outreach.csatAfter.average });
  return samples.flatMap((sample) => (sample.value === null ? [] : [{ ...sample, value: sample.value }]));
}

/**
 * What a team lead reads in the console: quality of resolution per agent and for the AI, outreach,
 * CSAT and retention; other agents are refused.
 */
export async function teamQuality(ctx: AppContext, agent: Pick<AgentConfig, 'lead'>, window: { since?: string }) {
  if (!agent.lead) throw new AppError('not_a_team_lead', "Only team leads see the team's figures.");
  const { quality, outreach, csat, retention, window: span } = await supportMetrics(ctx, window);
  return { window: span, quality, outreach, csat, retention };
}
