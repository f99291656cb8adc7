import { getExternalWorkflowHandle, patched } from '@temporalio/workflow';
import type { SupportConfig } from '../config/schema';
import type { ConversationState } from '../domain/conversation';
import { engagementRulesOf, turnMoments, worthTelling, type EngagementMoment, type ToldSoFar } from '../domain/engagement';
import { engagementWorkflowId } from '../domain/ids';
import { engagementMomentSignal } from './definitions';
import type { Serial } from './serial';

/**
 * What a conversation tells its customer's engagement workflow, from each published state: the
 * customer's new turns (category, order, whether the AI's answer is doubtful), a change of status,
 * a rating, each only when it changes what that workflow knows (`worthTelling`). Sent in the
 * background after the read model, never delaying a reply. Nothing is sent
 * when the configuration has no engagement rules, so conversations from before replay unchanged.
 */
export function engagementMoments(config: SupportConfig, carried: ConversationState | undefined, background: Serial): (state: ConversationState) => void {
  const rules = engagementRulesOf(config);
  let toldUpTo = carried?.transcript.length ?? 0;
  let toldStatus = carried?.status ?? 'ai';
  let toldRating = carried?.rating !== undefined;
  const toldSoFar: ToldSoFar = { orderNumbers: [], watched: false };
  return (state) => {
    if (!rules) return;
    const at = state.transcript.at(-1)?.at ?? state.createdAt;
    const moments: EngagementMoment[] = turnMoments(state, toldUpTo, rules);
    if (moments.length === 0 && state.status !== toldStatus) moments.push({ kind: 'status', conversationId: state.id, status: state.status, at });
    if (state.rating && !toldRating) moments.push({ kind: 'rated', conversationId: state.id, score: state.rating.score, at: state.rating.at });
    toldUpTo = state.transcript.length;
    toldStatus = state.status;
    toldRating = state.rating !== undefined;
    if (moments.length === 0 || !patched('engagement-moments')) return;
    const told = patched('engagement-moments-worth-telling') ? worthTelling(moments, toldSoFar) : moments;
    if (told.length === 0) return;
    const engagement = getExternalWorkflowHandle(engagementWorkflowId(state.customer.id));
    void background.run(async () => {
      for (const moment of told) {
        // A customer whose engagement workflow ended (or never started, before engagement was
        // configured) has nobody to tell: the moment matters only to a running one.
        await engagement.signal(engagementMomentSignal, moment).catch(() => undefined);
      }
    });
  };
}
