import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { patched, upsertSearchAttributes } from '@temporalio/workflow';

/**
 * Upserts a workflow's search attributes only when a value changed: each upsert is a history event
 * and a visibility write on the server. Runs recorded before `patchId` upserted on every change,
 * and replay as they ran.
 */
export function searchAttributesWhenChanged(patchId: string): (attributes: SearchAttributeUpdatePair[]) => void {
  let last: string | undefined;
  return (attributes) => {
    const signature = JSON.stringify(attributes.map((a) => a.value));
    if (signature === last && patched(patchId)) return;
    upsertSearchAttributes(attributes);
    last = signature;
  };
}
