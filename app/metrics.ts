import { computeSupportMetrics, productCounts as countProducts } from '../db/metrics';
import type { AppContext } from './context';

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
