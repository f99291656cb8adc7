import { supportConfigProblems, type SupportConfig } from '../config/schema';
import { readRecordedConversations } from '../db/conversations';
import {
  activePolicyVersion,
  listPolicyChanges,
  listPolicyVersions,
  readPolicyVersion,
  recordPolicyChange,
  storePolicyVersion,
  type PolicyVersion,
  type PolicyWhatIfSummary,
} from '../db/policies';
import type { Models } from '../db/models';
import { storeSupportConfig, supportConfigRef } from '../db/support-configs';
import { RuleViolation } from '../domain/rules';
import { whatIf, type WhatIfReport } from '../domain/what-if';
import type { AppContext } from './context';
import { AppError, found } from './errors';

// Policy versions: try a support configuration against recorded conversations (the what-if), then
// activate it for new conversations, list the versions and the change log, and roll back to any.
// A conversation keeps the configuration it started with: it travels in the workflow's input, so
// a replay sees what the original run saw.

/** Which recorded conversations a what-if replays: the latest `last`, created in the window. */
export interface WhatIfWindow {
  last: number;
  since?: Date;
  until?: Date;
}

/** How many recorded conversations a new version's attached what-if replays. */
const ACTIVATION_WHAT_IF_CONVERSATIONS = 200;

/** The configuration new conversations start with: the active version's, or the file's until one is activated. */
export async function activeSupportConfig(ctx: Pick<AppContext, 'models' | 'supportConfig'>): Promise<{ version?: number; config: SupportConfig }> {
  const version = await activePolicyVersion(ctx.models);
  if (version === undefined) return { config: ctx.supportConfig };
  return { version, config: found(await readPolicyVersion(ctx.models, version), 'policy version').config };
}

/** References already stored, per database: a configuration is stored once, not at every start. */
const storedConfigRefs = new WeakMap<Models, Set<string>>();

/**
 * The configuration a new conversation starts with, and its reference: stored by content, so the
 * conversation's model steps that run as activities carry the reference instead of the whole.
 */
export async function configForNewConversation(ctx: Pick<AppContext, 'models' | 'supportConfig'>): Promise<{ config: SupportConfig; configRef: string }> {
  const { config } = await activeSupportConfig(ctx);
  const configRef = supportConfigRef(config);
  const stored = storedConfigRefs.get(ctx.models) ?? new Set<string>();
  storedConfigRefs.set(ctx.models, stored);
  if (!stored.has(configRef)) {
    await storeSupportConfig(ctx.models, configRef, config);
    stored.add(configRef);
  }
  return { config, configRef };
}

/** What `candidate` would have changed in recorded conversations, against the active configuration. */
export async function whatIfPolicy(
  ctx: Pick<AppContext, 'models' | 'supportConfig'>,
  candidate: SupportConfig,
  window: WhatIfWindow,
): Promise<WhatIfReport & { activeVersion: number | null; conversations: number }> {
  assertCoherent(candidate);
  const [active, recorded] = await Promise.all([
    activeSupportConfig(ctx),
    readRecordedConversations(ctx.models, { limit: window.last, since: window.since, until: window.until }),
  ]);
  return { activeVersion: active.version ?? null, conversations: recorded.length, ...whatIf(recorded, active.config, candidate) };
}

/** Stores `config` as a new version, with its what-if against the active one attached, and activates it. */
export async function activateNewPolicy(ctx: AppContext, draft: { config: SupportConfig; note?: string }) {
  const report = await whatIfPolicy(ctx, draft.config, { last: ACTIVATION_WHAT_IF_CONVERSATIONS });
  const summary: PolicyWhatIfSummary = { conversations: report.conversations, changed: report.changes.length, totals: report.totals };
  const version = await storePolicyVersion(ctx.models, { config: draft.config, note: draft.note, createdAt: new Date(), whatIf: summary });
  await recordPolicyChange(ctx.models, { version, previous: report.activeVersion ?? undefined, kind: 'activate', at: new Date() });
  return { version, active: true, whatIf: summary };
}

/** Makes an earlier (or later) version active again; conversations already running keep theirs. */
export async function rollBackPolicy(ctx: AppContext, version: number) {
  if (!(await readPolicyVersion(ctx.models, version))) throw new AppError('not_found', 'There is no such policy version.');
  const previous = await activePolicyVersion(ctx.models);
  await recordPolicyChange(ctx.models, { version, previous, kind: 'rollback', at: new Date() });
  return { version, active: true };
}

/** The versions (newest first, without their configurations), which is active, and the change log. */
export async function listPolicies(ctx: AppContext) {
  const [active, versions, changes] = await Promise.all([activePolicyVersion(ctx.models), listPolicyVersions(ctx.models), listPolicyChanges(ctx.models)]);
  return { active: active ?? null, versions: versions.map(summaryOf), changes };
}

/** One version with its configuration. */
export async function readPolicy(ctx: AppContext, version: number): Promise<PolicyVersion> {
  return found(await readPolicyVersion(ctx.models, version), 'policy version');
}

function summaryOf({ config: _config, ...version }: PolicyVersion) {
  return version;
}

function assertCoherent(config: SupportConfig): void {
  const problems = supportConfigProblems(config);
  if (problems.length > 0) throw new RuleViolation('invalid_policy', `The configuration does not hold together: ${problems.join('; ')}.`);
}
