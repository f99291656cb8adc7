import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { SupportConfig } from '../config/schema';
import { readLabelledRows } from '../ai/csv';
import { trainClassifier, type LoadedModel } from '../ai/embedded/classifier';
import { modelFromDocument } from '../ai/model-store';
import { confirmedExamples, correctedAnswers, countFeedback, type FeedbackCounts, type LabelledExample } from '../db/feedback';
import { proposeDrafts } from '../db/knowledge';
import type { Models } from '../db/models';
import {
  promoteModelVersion,
  promotedModelId,
  readModelVersion,
  readTrainingDataset,
  recordRetrainingRun,
  storeModelVersion,
  type EvaluationFigures,
} from '../db/model-versions';

// The model lifecycle's activities: train a version from an uploaded dataset, and the steps of a
// retraining run (feedback in, candidate trained and measured against the promoted model, the
// decision recorded, examples exported for fine-tuning an Ollama model). Training is synchronous
// and CPU-bound: these run on the batch task queue, one at a time.

export interface BaseTrainingData {
  file: string;
  textColumn: string;
  labelColumn: string;
}

export interface LearningDeps {
  models: Models;
  log: Logger;
  config: SupportConfig;
  /** The model workers use while nothing is promoted. */
  fallbackModel: LoadedModel;
  /** The business's own labelled data every retraining starts from. */
  baseTraining: BaseTrainingData;
  exportDir: string;
  /** Called after a promotion so this process switches at once rather than at its next check. */
  onPromoted?: () => Promise<void>;
}

/** One example in ten of the base data never trains a retrained model: chosen by its text, so stable. */
export function isHeldBack(text: string): boolean {
  return (createHash('sha256').update(text).digest().readUInt32BE(0) % 10) === 0;
}

export interface CandidateSummary {
  modelId: string;
  labels: number;
  baseExamples: number;
  feedbackExamples: number;
  heldBackExamples: number;
  calibrationAccuracy: number | null;
}

export interface Comparison {
  currentId: string;
  examples: number;
  candidate: EvaluationFigures;
  current: EvaluationFigures;
}

/** Accuracy and macro-F1 (over the labels present in the set) of `model` on `examples`. */
export function evaluateModel(model: LoadedModel, examples: LabelledExample[]): EvaluationFigures {
  const perLabel = new Map<string, { tp: number; fp: number; fn: number }>();
  const stats = (label: string) => {
    let s = perLabel.get(label);
    if (!s) perLabel.set(label, (s = { tp: 0, fp: 0, fn: 0 }));
    return s;
  };
  let correct = 0;
  for (const { text, label } of examples) {
    const predicted = model.predict(text).label;
    if (predicted === label) {
      correct += 1;
      stats(label).tp += 1;
    } else {
      stats(label).fn += 1;
      stats(predicted).fp += 1;
    }
  }
  const expected = new Set(examples.map((e) => e.label));
  let f1Sum = 0;
  for (const label of expected) {
    const { tp, fp, fn } = stats(label);
    f1Sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return {
    examples: examples.length,
    accuracy: examples.length === 0 ? 0 : round(correct / examples.length),
    macroF1: expected.size === 0 ? 0 : round(f1Sum / expected.size),
  };
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

export function createLearningActivities(deps: LearningDeps) {
  const { models, log, config, fallbackModel, baseTraining, exportDir } = deps;
  let baseCache: { digest: string; examples: LabelledExample[] } | undefined;

  const readBase = async (): Promise<LabelledExample[]> => {
    let text: string;
    try {
      text = await readFile(baseTraining.file, 'utf8');
    } catch (err) {
      throw ApplicationFailure.nonRetryable(`cannot read the base training data ${baseTraining.file}: ${(err as Error).message}`, 'TrainingDataMissing');
    }
    const key = createHash('sha256').update(text).digest('hex');
    if (baseCache?.digest !== key) {
      const rows = readLabelledRows(text, baseTraining.textColumn, baseTraining.labelColumn);
      baseCache = { digest: key, examples: rows.texts.map((t, i) => ({ text: t, label: rows.labels[i] as string })) };
    }
    return baseCache.examples;
  };

  /** The training set and the held-back evaluation set of a retraining run. */
  const retrainingSets = async (until: Date, baseDatasetId?: string) => {
    const canonical = await readBase();
    const heldBack = canonical.filter((e) => isHeldBack(e.text));
    let base = canonical.filter((e) => !isHeldBack(e.text));
    if (baseDatasetId) {
      const dataset = await readTrainingDataset(models, baseDatasetId);
      if (!dataset) throw ApplicationFailure.nonRetryable(`no training dataset ${baseDatasetId}`, 'DatasetMissing');
      base = dataset.texts.map((t, i) => ({ text: t, label: dataset.labels[i] as string })).filter((e) => !isHeldBack(e.text));
    }
    const feedback = await confirmedExamples(models, until);
    return { base, feedback, heldBack };
  };

  const loadVersion = async (id: string | undefined): Promise<LoadedModel> => {
    if (id === undefined || id === fallbackModel.id) return fallbackModel;
    const document = await readModelVersion(models, id);
    if (!document) throw ApplicationFailure.nonRetryable(`no stored model version ${id}`, 'ModelMissing');
    return modelFromDocument(document);
  };

  return {
    /** Trains a version from an uploaded dataset and stores it, unpromoted. Same input, same id. */
    async trainModelVersion(input: { datasetId: string; name: string; requestedAt: string }): Promise<{ modelId: string; labels: string[]; metrics: object }> {
      const dataset = await readTrainingDataset(models, input.datasetId);
      if (!dataset) throw ApplicationFailure.nonRetryable(`no training dataset ${input.datasetId}`, 'DatasetMissing');
      const started = performance.now();
      const model = trainClassifier(dataset.texts, dataset.labels, { name: input.name, createdAt: new Date(input.requestedAt) });
      await storeModelVersion(models, model.toJSON(), { kind: 'upload', datasetId: dataset.id });
      log.info({ modelId: model.id, rows: dataset.texts.length, ms: Math.round(performance.now() - started) }, 'trained a model version');
      return { modelId: model.id, labels: [...model.labels], metrics: model.metrics };
    },

    async summarizeFeedback(input: { since: string; until: string }): Promise<FeedbackCounts> {
      return countFeedback(models, new Date(input.since), new Date(input.until));
    },

    /** Corrected answers become knowledge-base drafts waiting for an operator's review. */
    async proposeKnowledgeDrafts(input: { since: string; until: string }): Promise<{ proposed: number; articleIds: string[] }> {
      const corrections = await correctedAnswers(models, new Date(input.since), new Date(input.until));
      const drafts = corrections.map((c) => ({
        id: `feedback-${createHash('sha256').update(c.feedbackId).digest('hex').slice(0, 16)}`,
        title: c.question.length > 80 ? `${c.question.slice(0, 77)}...` : c.question,
        questions: [c.question],
        body: c.correctedAnswer,
        category: c.category ?? 'other',
        intent: c.intent,
      }));
      const proposed = await proposeDrafts(models, drafts, new Date(input.until));
      return { proposed, articleIds: drafts.map((d) => d.id) };
    },

    /** Trains the candidate on the base data (less the held-back slice) and every agent-confirmed example. */
    async trainCandidateModel(input: { retrainingId: string; until: string; baseDatasetId?: string }): Promise<CandidateSummary> {
      const { base, feedback, heldBack } = await retrainingSets(new Date(input.until), input.baseDatasetId);
      const examples = [...base, ...feedback];
      const model = trainClassifier(
        examples.map((e) => e.text),
        examples.map((e) => e.label),
        { name: `retrained-${input.until.slice(0, 10)}`, createdAt: new Date(input.until) },
      );
      await storeModelVersion(models, model.toJSON(), { kind: 'retraining', retrainingId: input.retrainingId, datasetId: input.baseDatasetId });
      return {
        modelId: model.id,
        labels: model.labels.length,
        baseExamples: base.length,
        feedbackExamples: feedback.length,
        heldBackExamples: heldBack.length,
        calibrationAccuracy: model.metrics.calibrationAccuracy,
      };
    },

    /**
     * Both models on the same set: the held-back slice of the base data (has the candidate
     * forgotten anything?) plus the agent-confirmed examples (has it learned the corrections?).
     */
    async compareWithPromoted(input: { candidateId: string; until: string; baseDatasetId?: string }): Promise<Comparison> {
      const { feedback, heldBack } = await retrainingSets(new Date(input.until), input.baseDatasetId);
      const evaluation = [...heldBack, ...feedback];
      const current = await loadVersion(await promotedModelId(models));
      const candidate = await loadVersion(input.candidateId);
      return {
        currentId: current.id,
        examples: evaluation.length,
        candidate: evaluateModel(candidate, evaluation),
        current: evaluateModel(current, evaluation),
      };
    },

    async promoteModel(input: { modelId: string }): Promise<void> {
      if (input.modelId !== fallbackModel.id && !(await readModelVersion(models, input.modelId))) {
        throw ApplicationFailure.nonRetryable(`no stored model version ${input.modelId}`, 'ModelMissing');
      }
      await promoteModelVersion(models, input.modelId, new Date());
      await deps.onPromoted?.();
      log.info({ modelId: input.modelId }, 'promoted a model version');
    },

    /**
     * Every training example as chat-format JSONL for fine-tuning an Ollama model: the category of
     * each message, and the agents' corrected answers.
     */
    async exportFineTuningExamples(input: { retrainingId: string; since: string; until: string; baseDatasetId?: string }): Promise<{ file: string; examples: number }> {
      const { base, feedback } = await retrainingSets(new Date(input.until), input.baseDatasetId);
      const corrections = await correctedAnswers(models, new Date(input.since), new Date(input.until));
      const categories = config.categories.map((c) => c.id);
      const classifyPrompt = `Classify the customer message into one of these categories: ${categories.join(', ')}. Reply with JSON {"category": <id>}.`;
      const lines = [
        ...[...base, ...feedback].map((e) =>
          JSON.stringify({
            messages: [
              { role: 'system', content: classifyPrompt },
              { role: 'user', content: e.text },
              { role: 'assistant', content: JSON.stringify({ category: config.intentCategories[e.label] ?? (categories.includes(e.label) ? e.label : 'other') }) },
            ],
          }),
        ),
        ...corrections.map((c) =>
          JSON.stringify({
            messages: [
              { role: 'system', content: `You are ${config.brand.assistantName}, the customer support assistant of ${config.brand.company}. Tone: ${config.brand.tone}.` },
              { role: 'user', content: c.question },
              { role: 'assistant', content: c.correctedAnswer },
            ],
          }),
        ),
      ];
      // Workflow ids carry the time with colons; file names keep to portable characters.
      const file = path.resolve(exportDir, `${input.retrainingId.replace(/[^A-Za-z0-9._-]/g, '-')}.jsonl`);
      await mkdir(path.dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}.partial`;
      await writeFile(partial, `${lines.join('\n')}\n`);
      await rename(partial, file);
      return { file, examples: lines.length };
    },

    async recordRetraining(input: { retrainingId: string; startedAt: string; result: object }): Promise<void> {
      await recordRetrainingRun(models, input.retrainingId, new Date(input.startedAt), new Date(), input.result);
    },
  };
}

export type LearningActivities = ReturnType<typeof createLearningActivities>;
