import { Schema } from 'mongoose';
import type { SupportConfig } from '../config/schema';
import type { WhatIfTotals } from '../domain/what-if';
import type { Models } from './models';
import { isDuplicateKey } from './versioned-write';

// Policy versions: each support configuration an operator activated, numbered 1, 2, 3..., kept
// unchanged forever so that any can be activated again. Which one is active is whatever the latest
// entry of the change log says: the log is the audit trail and the pointer in one, so the two can
// never disagree.

export const policyVersionSchema = new Schema(
  {
    /** The version number. */
    _id: { type: Number, required: true },
    config: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    note: String,
    /** What the what-if said about this version against the one active when it was stored. */
    whatIf: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, minimize: false },
);

/** One activation: ids and numbers only, so the log can be kept for as long as audits need. */
export const policyChangeSchema = new Schema(
  {
    /** `<at ISO>:<version>`. */
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    /** The version active before; absent when the configuration file was. */
    previous: Number,
    kind: { type: String, required: true, enum: ['activate', 'rollback'] },
    at: { type: Date, required: true, index: true },
  },
  { versionKey: false },
);

/** What the what-if said when a version was stored: totals and how many conversations changed. */
export interface PolicyWhatIfSummary {
  conversations: number;
  changed: number;
  totals: WhatIfTotals;
}

export interface PolicyVersion {
  version: number;
  config: SupportConfig;
  createdAt: Date;
  note?: string;
  whatIf: PolicyWhatIfSummary;
}

export interface PolicyChange {
  version: number;
  previous?: number;
  kind: 'activate' | 'rollback';
  at: Date;
}

/** Stores `config` as the next version number; two stores at once get two numbers. */
export async function storePolicyVersion(models: Models, draft: Omit<PolicyVersion, 'version'>): Promise<number> {
  for (;;) {
    const latest = await models.PolicyVersion.findOne({}, { _id: 1 }).sort({ _id: -1 }).lean();
    const version = (latest?._id ?? 0) + 1;
    try {
      await models.PolicyVersion.create({ _id: version, ...draft });
      return version;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}

export async function readPolicyVersion(models: Models, version: number): Promise<PolicyVersion | undefined> {
  const doc = await models.PolicyVersion.findById(version).lean();
  return doc ? toPolicyVersion(doc) : undefined;
}

/** Newest first, with their configurations. */
export async function listPolicyVersions(models: Models, limit = 100): Promise<PolicyVersion[]> {
  const docs = await models.PolicyVersion.find({}).sort({ _id: -1 }).limit(limit).lean();
  return docs.map(toPolicyVersion);
}

/** The active version's number, or undefined while the configuration file is in force. */
export async function activePolicyVersion(models: Models): Promise<number | undefined> {
  const latest = await models.PolicyChange.findOne({}).sort({ at: -1, _id: -1 }).lean();
  return latest?.version;
}

export async function recordPolicyChange(models: Models, change: PolicyChange): Promise<void> {
  await models.PolicyChange.create({ _id: `${change.at.toISOString()}:${change.version}`, ...change });
}

/** The change log, newest first. */
export async function listPolicyChanges(models: Models, limit = 100): Promise<PolicyChange[]> {
  const docs = await models.PolicyChange.find({}).sort({ at: -1, _id: -1 }).limit(limit).lean();
  return docs.map((d) => ({ version: d.version, previous: d.previous ?? undefined, kind: d.kind as PolicyChange['kind'], at: d.at }));
}

function toPolicyVersion(doc: { _id: number; config: unknown; createdAt: Date; note?: string | null; whatIf: unknown }): PolicyVersion {
  return {
    version: doc._id,
    config: doc.config as SupportConfig,
    createdAt: doc.createdAt,
    note: doc.note ?? undefined,
    whatIf: doc.whatIf as PolicyWhatIfSummary,
  };
}
