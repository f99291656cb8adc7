import { createHash } from 'node:crypto';
import { Schema } from 'mongoose';
import type { SupportConfig } from '../config/schema';
import type { Models } from './models';
import { isDuplicateKey } from './versioned-write';

// Support configurations by content. A model step that runs as an activity carries the reference,
// not the configuration: an activity's input is written to the conversation's history with every
// message, and the configuration is about 9 KB. Stored once per distinct configuration, never changed.

export const storedSupportConfigSchema = new Schema(
  {
    /** `sha256:<digest of the configuration's JSON>`. */
    _id: { type: String, required: true },
    config: { type: Schema.Types.Mixed, required: true },
    storedAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);

export function supportConfigRef(config: SupportConfig): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(config)).digest('base64url')}`;
}

/** Stores `config` under its reference (`supportConfigRef`); storing the same content again changes nothing. */
export async function storeSupportConfig(models: Models, ref: string, config: SupportConfig): Promise<void> {
  try {
    await models.StoredSupportConfig.create({ _id: ref, config, storedAt: new Date() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

export async function readSupportConfig(models: Models, ref: string): Promise<SupportConfig | undefined> {
  const doc = await models.StoredSupportConfig.findById(ref).lean();
  return doc ? (doc.config as SupportConfig) : undefined;
}
