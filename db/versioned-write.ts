const DUPLICATE_KEY = 11000;

/** A duplicate `_id`: the whole error, or every write error of a bulk insert. */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: number; writeErrors?: { code?: number; err?: { code?: number } }[] };
  if (e.writeErrors?.length) return e.writeErrors.every((w) => (w.code ?? w.err?.code) === DUPLICATE_KEY);
  return e.code === DUPLICATE_KEY;
}

/** The three calls this needs, which every mongoose model has. */
interface VersionedModel {
  findById(id: string, projection: { version: 1 }): { lean(): PromiseLike<unknown> };
  updateOne(filter: { _id: string }, update: { $set: Record<string, unknown> }): PromiseLike<unknown>;
  create(doc: Record<string, unknown>): Promise<unknown>;
}

/**
 * Writes `fields` as version `version` of document `id` unless it already holds that version or a
 * newer one, so a retried or late projection never moves a read model back. Returns whether it wrote.
 *
 * Every query filters on `_id` alone: FerretDB's SQLite backend pushes only that shape down to its
 * index and scans the whole collection for anything else (a version-guarded update took 250 ms at
 * 3,000 documents, against about 1.5 ms for these). The check and the write are two steps, safe
 * because each document has one writer at a time: the workflow that owns it.
 */
export async function writeVersioned(model: VersionedModel, id: string, version: number, fields: Record<string, unknown>): Promise<boolean> {
  for (;;) {
    const current = (await model.findById(id, { version: 1 }).lean()) as { version?: number } | null;
    if (current && (current.version ?? 0) >= version) return false;
    if (current) {
      await model.updateOne({ _id: id }, { $set: { ...fields, version } });
      return true;
    }
    try {
      await model.create({ _id: id, ...fields, version });
      return true;
    } catch (err) {
      // Created meanwhile: compare again.
      if (!isDuplicateKey(err)) throw err;
    }
  }
}
