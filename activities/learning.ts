import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { SupportConfig } from '../config/schema';
import { readLabelledRows } from '../ai/csv';
import { trainClassifierYielding, type LoadedModel } from '../ai/embedded/classifier';
import { embedAllCached } from '../ai/embedded/embedding-cache';
import type { SentenceEncoder } from '../ai/embedded/encoder';
import type { KnowledgeSearch } from '../ai/knowledge-search';
import { modelFromDocument } from '../ai/model-store';
import { evaluateRouting, type RoutingCase } from '../ai/routing-evaluation';
import { categoryForLabel, createUnderstanding } from '../ai/understanding';
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
} from '../db/model-versions';

// The model lifecycle's activities: train a version from an uploaded dataset, and the steps of a
// retraining run (feedback in, candidate trained and measured against the promoted model on data
// neither learned from, the decision recorded, examples exported for fine-tuning an Ollama
// model). Training is CPU-bound: these run on the batch task queue, one at a time.

export interface BaseTrainingData {
  file: string;
  textColumn: string;
  labelColumn: string;
}

export interface LearningDeps {
  models: Models;
  log: Logger;
  config: SupportConfig;
  encoder: SentenceEncoder;
  knowledge: KnowledgeSearch;
  /** Where embeddings of training sets are kept between runs. */
  embeddingCacheDir: string;
  /** Realistic first messages no model trains on: the gate's main measure (ai/routing-evaluation.ts). */
  developmentCases: RoutingCase[];
  /** The model workers use while nothing is promoted. */
  fallbackModel: LoadedModel;
  /** The business's own labelled data every retraining starts from. */
  baseTraining: BaseTrainingData;
  exportDir: string;
  /** Called after a promotion so this process switches at once rather than at its next check. */
  onPromoted?: () => Promise<void>;
}

/**
 * One agent-confirmed example in three never trains a candidate: it measures whether the candidate
 * learned the lesson rather than memorised it. Chosen by its text, so stable across runs.
 */
export function isHeldBack(text: string): boolean {
  return (createHash('sha256').update(text).digest().readUInt32BE(0) % 3) === 0;
}

export interface CandidateSummary {
  modelId: string;
  labels: number;
  baseExamples: number;
  /** Agent-confirmed examples it trained on. */
  feedbackExamples: number;
  /** Agent-confirmed examples kept out of its training to judge it. */
  heldBackExamples: number;
  calibrationAccuracy: number | null;
}

/** One evaluation set, both models' accuracy on it. */
export interface GateFigures {
  examples: number;
  candidate: number;
  current: number;
}

/** The candidate and the promoted model on data neither learned from. */
export interface Comparison {
  currentId: string;
  /** Routing of the realistic development conversations. */
  development: GateFigures;
  /** Category of agent-confirmed messages held back from the candidate's training. */
  confirmed: GateFigures;
  /** Questions behind this period's corrected answers, by the category the agent's flag recorded. */
  corrected: GateFigures;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}


export function createLearningActivities(deps: LearningDeps) {
  const { models, log, config, fallbackModel, baseTraining, exportDir, encoder } = deps;

  /** Same recipe as the shipped model: n-grams plus the sentence encoder's embedding. */
  const train = async (examples: LabelledExample[], name: string, createdAt: Date): Promise<LoadedModel> => {
    const texts = examples.map((e) => e.text);
    const vectors = await embedAllCached(encoder, texts, deps.embeddingCacheDir);
    // Yielding: the batch worker keeps polling and heartbeating while it trains.
    return trainClassifierYielding(texts, examples.map((e) => e.label), { name, createdAt, embeddings: { encoder: encoder.id, vectors } }, () =>
      Context.current().heartbeat(),
    );
  };

  /** Share of `examples` whose predicted category is their label's category. */
  const categoryAccuracy = async (model: LoadedModel, examples: LabelledExample[]): Promise<number> => {
    if (examples.length === 0) return 0;
    const vectors = await encoder.embed(examples.map((e) => e.text));
    const right = examples.filter(
      (e, i) => categoryForLabel(model.predict(e.text, vectors[i]).label, config) === categoryForLabel(e.label, config),
    ).length;
    return round(right / examples.length);
  };

  const routingAccuracy = async (model: LoadedModel): Promise<number> => {
    const understanding = createUnderstanding({ encoder, model: () => model, knowledge: deps.knowledge });
    const articleIntent = new Map<string, string | undefined>();
    const figures = await evaluateRouting({
      cases: deps.developmentCases,
      understanding: {
        // Remember each grounding article's intent as the evaluation meets it.
        understand: async (request) => {
          const classification = await understanding.understand(request);
          const id = classification.grounding?.articleId;
          if (id !== undefined && !articleIntent.has(id)) articleIntent.set(id, (await deps.knowledge.article(id))?.intent);
          return classification;
        },
      },
      config,
      articleIntent: (id) => articleIntent.get(id),
    });
    return figures.accuracy;
  };
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
    let base = await readBase();
    if (baseDatasetId) {
      const dataset = await readTrainingDataset(models, baseDatasetId);
      if (!dataset) throw ApplicationFailure.nonRetryable(`no training dataset ${baseDatasetId}`, 'DatasetMissing');
      base = dataset.texts.map((t, i) => ({ text: t, label: dataset.labels[i] as string }));
    }
    const confirmed = await confirmedExamples(models, until);
    return { base, feedback: confirmed.filter((e) => !isHeldBack(e.text)), heldBack: confirmed.filter((e) => isHeldBack(e.text)) };
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
      const model = await train(
        dataset.texts.map((text, i) => ({ text, label: dataset.labels[i] as string })),
        input.name,
        new Date(input.requestedAt),
      );
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

    /** Trains the candidate on the base data and the agent-confirmed examples not held back. */
    async trainCandidateModel(input: { retrainingId: string; until: string; baseDatasetId?: string }): Promise<CandidateSummary> {
      const { base, feedback, heldBack } = await retrainingSets(new Date(input.until), input.baseDatasetId);
      const model = await train([...base, ...feedback], `retrained-${input.until.slice(0, 10)}`, new Date(input.until));
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
     * Both models on data neither learned from: the realistic development conversations (has the
     * candidate got worse at routing?), the agent-confirmed messages held back from its training
     * (has it learned the lesson?), and the questions behind this period's corrected answers.
     */
    async compareWithPromoted(input: { candidateId: string; since?: string; until: string; baseDatasetId?: string }): Promise<Comparison> {
      const { heldBack } = await retrainingSets(new Date(input.until), input.baseDatasetId);
      const corrections = await correctedAnswers(models, new Date(input.since ?? 0), new Date(input.until));
      const corrected = corrections.flatMap((c) => (c.category ? [{ text: c.question, label: c.category }] : []));
      const current = await loadVersion(await promotedModelId(models));
      const candidate = await loadVersion(input.candidateId);
      const both = async (measure: (model: LoadedModel) => Promise<number>, examples: number): Promise<GateFigures> => ({
        examples,
        candidate: await measure(candidate),
        current: await measure(current),
      });
      return {
        currentId: current.id,
        development: await both(routingAccuracy, deps.developmentCases.length),
        confirmed: await both((model) => categoryAccuracy(model, heldBack), heldBack.length),
        corrected: await both((model) => categoryAccuracy(model, corrected), corrected.length),
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
              { role: 'assistant', content: JSON.stringify({ category: categoryForLabel(e.label, config) }) },
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
