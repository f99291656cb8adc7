import type { CsatRules } from './schema';

// Defaults that workflow code needs as values. Kept apart from schema.ts so the workflow bundle
// does not carry zod: every cached workflow evaluates the bundle's modules anew, and config/schema's
// zod schemas cost about 1 MB a workflow.

export const DEFAULT_CSAT_RULES: CsatRules = { askAfter: 'both', ratingWindowMs: 10 * 60 * 1000 };
