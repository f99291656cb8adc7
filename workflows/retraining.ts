import { proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { CandidateSummary, Comparison, LearningActivities } from '../activities/learning';
import type { FeedbackCounts } from '../db/feedback';

/** Every step runs on the batch queue, one at a time; this light orchestration does not. */
function batchActivities(taskQueue: string | undefined) {
  const { summarizeFeedback, proposeKnowledgeDrafts, promoteModel, exportFineTuningExamples, recordRetraining } = proxyActivities<LearningActivities>({
    taskQueue,
    summary: 'Retraining bookkeeping',
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
  });
  // CPU-bound: a long timeout and few attempts (it heartbeats between steps, for liveness only).
  const { trainCandidateModel } = proxyActivities<LearningActivities>({
    taskQueue,
    summary: 'Train the candidate model',
    startToCloseTimeout: '30 minutes',
    retry: { maximumAttempts: 2, initialInterval: '5 seconds' },
  });
  const { compareWithPromoted } = proxyActivities<LearningActivities>({
    taskQueue,
    summary: 'Evaluate candidate and promoted model on data neither learned from',
    startToCloseTimeout: '10 minutes',
    retry: { maximumAttempts: 2, initialInterval: '5 seconds' },
  });
  return { summarizeFeedback, proposeKnowledgeDrafts, promoteModel, exportFineTuningExamples, recordRetraining, trainCandidateModel, compareWithPromoted };
}

export const RETRAINING_SCHEDULE_ID = 'retraining-schedule';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetrainingInput {
  /** How far back "this week's feedback" reaches. */
  windowDays: number;
  /** Train on this uploaded dataset instead of the configured base data (evaluation stays on the base data). */
  baseDatasetId?: string;
  /** Where its steps run; absent in runs started before batch workflows moved to the conversations queue. */
  batchTaskQueue?: string;
}

export interface RetrainingResult {
  since: string;
  until: string;
  feedback: FeedbackCounts;
  draftsProposed: number;
  candidate: CandidateSummary;
  comparison: Comparison;
  decision: 'promoted' | 'kept-current';
  promotedModelId: string;
  export: { file: string; examples: number };
}

/**
 * Routing of the development conversations may move by this much between two equally good models
 * (two cases in 500) without counting as worse.
 */
const DEVELOPMENT_TOLERANCE = 0.005;

/**
 * Promote only a model that is not worse than the one in use on data neither learned from: the
 * development conversations (within the tolerance), and each set of agent feedback it was judged on.
 */
export function isNotWorse(comparison: Comparison): boolean {
  const { development, confirmed, corrected } = comparison;
  return (
    development.candidate >= development.current - DEVELOPMENT_TOLERANCE &&
    [confirmed, corrected].every((set) => set.examples === 0 || set.candidate >= set.current)
  );
}

const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;

/**
 * The weekly learning loop: the week's feedback in, corrected answers out as knowledge drafts, a
 * candidate model trained and measured against the promoted one, promoted only if it is not worse,
 * every figure recorded and the examples exported for fine-tuning an Ollama model.
 */
export async function retrainingWorkflow(input: RetrainingInput): Promise<RetrainingResult> {
  const { workflowId, startTime } = workflowInfo();
  const { summarizeFeedback, proposeKnowledgeDrafts, promoteModel, exportFineTuningExamples, recordRetraining, trainCandidateModel, compareWithPromoted } =
    batchActivities(input.batchTaskQueue);
  const until = startTime.toISOString();
  const since = new Date(startTime.getTime() - input.windowDays * DAY_MS).toISOString();

  setCurrentDetails('Gathering feedback');
  const feedback = await summarizeFeedback({ since, until });
  const drafts = await proposeKnowledgeDrafts({ since, until });

  setCurrentDetails(
    `Training a candidate: ${feedback.confirmedCategories} confirmed categories and ${feedback.flagged} flagged answers this period, ` +
      `${drafts.proposed} new knowledge drafts`,
  );
  const candidate = await trainCandidateModel({ retrainingId: workflowId, until, baseDatasetId: input.baseDatasetId });

  setCurrentDetails(`Evaluating candidate \`${candidate.modelId}\` against the promoted model`);
  const comparison = await compareWithPromoted({ candidateId: candidate.modelId, since, until, baseDatasetId: input.baseDatasetId });
  const promote = isNotWorse(comparison) && comparison.currentId !== candidate.modelId;
  if (promote) await promoteModel({ modelId: candidate.modelId });

  const exported = await exportFineTuningExamples({ retrainingId: workflowId, since, until, baseDatasetId: input.baseDatasetId });
  const result: RetrainingResult = {
    since,
    until,
    feedback,
    draftsProposed: drafts.proposed,
    candidate,
    comparison,
    decision: promote ? 'promoted' : 'kept-current',
    promotedModelId: promote ? candidate.modelId : comparison.currentId,
    export: exported,
  };
  await recordRetraining({ retrainingId: workflowId, startedAt: until, result });
  const figures = (name: string, set: Comparison['development']): string =>
    `${name} ${percent(set.candidate)} vs ${percent(set.current)} (${set.examples})`;
  setCurrentDetails(
    `**${promote ? 'Promoted' : 'Kept the current model'}**: candidate \`${candidate.modelId}\` vs current \`${comparison.currentId}\`: ` +
      `${figures('development routing', comparison.development)}, ${figures('held-back confirmed categories', comparison.confirmed)}, ` +
      `${figures('corrected answers', comparison.corrected)}. Fine-tuning set: ${exported.examples} examples in ${exported.file}`,
  );
  return result;
}
