import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CsvError } from '../ai/csv';
import { ROUTING_KINDS, actionIntentsOf, isRoutedRight, parseRoutingCases, type RoutingCase, type RoutingKind } from '../ai/routing-evaluation';
import { loadSupportConfig } from '../config/env';
import { formatTable, summarize } from '../bench/load';
import { startPrivateStack, type PrivateStack } from '../bench/stack';
import { stackProfile } from './stack/profiles';
import { stopStack } from './stack/services';

// npm run eval:conversations -- --file <cases.csv> [--json] [--min-routing <0..1>] [--concurrency N] [--ollama]
// Sends every case of a `text,kind` CSV as the first message of a new conversation through the real
// HTTP API and judges what came back by the case's kind:
//   ai:<intent>  answered by the AI (no handoff), citing an article written for <intent>
//   human        handed off to a person
//   oos          no article cited (handed off, or answered without a citation)
//   chat         answered by the AI, not handed off; citations do not matter
// (the judgement is ai/routing-evaluation.ts's, shared with npm run eval:routing)
// Prints accuracy per kind and per intent, the routing accuracy over all cases, the latency of the
// message POST and every miss; --json prints the same as one JSON line. With --min-routing X it
// exits 1 (after printing) when the routing accuracy is below X, and so does any case that got no
// answer from the API. --concurrency is the number of conversations in flight (default 4).
//
// By default it starts a private stack in .run/eval on the `eval` profile's ports (scripts/stack/profiles.ts),
// with --ollama also Ollama with Qwen2.5 0.5B, which then writes the answers, and stops it at the end.
// To measure a running API instead, set all three of:
//   TANDEM_EVAL_API_URL        e.g. http://127.0.0.1:3000
//   TANDEM_EVAL_API_KEY        one of its TANDEM_API_KEYS (starts conversations)
//   TANDEM_EVAL_OPERATOR_KEY   one of its TANDEM_OPERATOR_KEYS (reads the knowledge base)

const USAGE =
  'usage: npm run eval:conversations -- --file <cases.csv> [--json] [--min-routing <0..1>] [--concurrency N] [--ollama]';
const EVAL_PROFILE = stackProfile('eval');
const KINDS = ROUTING_KINDS;
const MISS_TEXT_CHARS = 80;
/** Longer than the API takes to answer even through a slow model and Temporal's retries. */
const REQUEST_TIMEOUT_MS = 300_000;
const RATE_LIMIT_RETRIES = 5;
const KNOWLEDGE_PAGE = 500;
/** The configuration the stack's worker runs: which actions serve which intents. */
const SUPPORT_CONFIG = loadSupportConfig(process.env.TANDEM_SUPPORT_CONFIG ?? path.join(__dirname, '..', 'config', 'support.default.json'));

type Case = RoutingCase;
type Kind = RoutingKind;

/** What the API answered, as much of it as the judgement needs. */
interface Outcome {
  status?: string;
  handedOff: boolean;
  replyRole?: string;
  handoffReasons: string[];
  citations: string[];
  citedIntents: string[];
  /** Intents served by the actions the AI answered with. */
  actionIntents: string[];
  /** Set when the API gave no outcome at all (an HTTP error or no answer). */
  error?: string;
  latencyMs?: number;
}

interface Tally {
  cases: number;
  right: number;
  accuracy: number | null;
}

interface Miss {
  kind: string;
  text: string;
  status: string | null;
  handedOff: boolean;
  handoffReasons: string[];
  citedIntents: string[];
  error?: string;
}

interface Report {
  file: string;
  target: string;
  model: string;
  concurrency: number;
  cases: number;
  right: number;
  routingAccuracy: number;
  errors: number;
  byKind: Partial<Record<Kind, Tally>>;
  byIntent: Record<string, Tally>;
  latencyMs: { count: number; p50: number | null; p99: number | null };
  seconds: number;
  misses: Miss[];
  minRouting?: number;
}

interface Target {
  apiUrl: string;
  apiKey: string;
  operatorKey: string;
  /** What answers: `embedded`, `ollama <model>`, or unknown for a running API. */
  model: string;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' },
      json: { type: 'boolean', default: false },
      'min-routing': { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      ollama: { type: 'boolean', default: false },
    },
  });
  if (!values.file) throw new UsageError('--file is required');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a whole number of at least 1');
  const minRouting = values['min-routing'] === undefined ? undefined : Number(values['min-routing']);
  if (minRouting !== undefined && !(minRouting >= 0 && minRouting <= 1)) throw new UsageError('--min-routing must be a number from 0 to 1');
  const cases = parseRoutingCases(await readFile(values.file, 'utf8'));
  if (cases.length === 0) throw new UsageError(`${values.file} holds no cases`);

  // Ctrl-C, also while the stack starts, stops what the private stack has started so far.
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    const stopping = process.env.TANDEM_EVAL_API_URL ? Promise.resolve() : stopStack(EVAL_PROFILE.runDir);
    void stopping.finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  let report: Report;
  const target = await openTarget(values.ollama);
  try {
    const intents = knowledgeIntents(target);
    await intents.load();
    const startedAt = performance.now();
    const outcomes = await runCases(cases, concurrency, (c, n) => converse(target, c, n, intents));
    const seconds = (performance.now() - startedAt) / 1000;
    report = buildReport({ file: values.file, target, concurrency, cases, outcomes, seconds, minRouting });
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await target.stop();
  }
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  const belowMinimum = minRouting !== undefined && report.routingAccuracy < minRouting;
  if (belowMinimum || report.errors > 0) process.exitCode = 1;
}

async function openTarget(ollama: boolean): Promise<Target> {
  const apiUrl = process.env.TANDEM_EVAL_API_URL;
  if (apiUrl) {
    const apiKey = process.env.TANDEM_EVAL_API_KEY;
    const operatorKey = process.env.TANDEM_EVAL_OPERATOR_KEY;
    if (!apiKey || !operatorKey) throw new UsageError('TANDEM_EVAL_API_URL needs TANDEM_EVAL_API_KEY and TANDEM_EVAL_OPERATOR_KEY');
    if (ollama) throw new UsageError('--ollama starts Ollama in a stack of its own; a running API (TANDEM_EVAL_API_URL) answers with its own model');
    return { apiUrl: apiUrl.replace(/\/+$/, ''), apiKey, operatorKey, model: "the running API's own", stop: async () => undefined };
  }
  process.stderr.write(`[eval] starting a private stack in ${path.relative(process.cwd(), EVAL_PROFILE.runDir) || '.'}${ollama ? ' with Ollama' : ''}\n`);
  const stack: PrivateStack = await startPrivateStack({ name: 'eval', ...EVAL_PROFILE, ollama });
  return { ...stack, stop: () => stack.stop() };
}

/**
 * Article id → intent, from the knowledge base as the API lists it; an article cited but not in
 * the list (beyond the list's limit, or added since) is read on its own, once.
 */
function knowledgeIntents(target: Target) {
  const known = new Map<string, Promise<string | undefined>>();
  const headers = { authorization: `Bearer ${target.operatorKey}` };
  return {
    async load(): Promise<void> {
      const url = `${target.apiUrl}/v1/knowledge?limit=${KNOWLEDGE_PAGE}`;
      const res = await fetch(url, { headers }).catch((err: unknown) => {
        throw new Error(`cannot reach ${url}: ${err instanceof Error ? (err.cause as Error | undefined)?.message ?? err.message : String(err)}`);
      });
      if (!res.ok) throw new Error(`GET /v1/knowledge answered ${res.status}: ${await res.text()}`);
      const { articles } = (await res.json()) as { articles: { id: string; intent?: string }[] };
      for (const article of articles) known.set(article.id, Promise.resolve(article.intent));
    },
    intentOf(articleId: string): Promise<string | undefined> {
      let intent = known.get(articleId);
      if (!intent) {
        intent = fetch(`${target.apiUrl}/v1/knowledge/${encodeURIComponent(articleId)}`, { headers }).then(async (res) =>
          res.ok ? ((await res.json()) as { intent?: string }).intent : undefined,
        );
        known.set(articleId, intent);
      }
      return intent;
    },
  };
}

/** One case: a new conversation, its first message, and what came back. */
async function converse(target: Target, testCase: Case, n: number, intents: ReturnType<typeof knowledgeIntents>): Promise<Outcome> {
  const failed = (error: string): Outcome => ({ handedOff: false, handoffReasons: [], citations: [], citedIntents: [], actionIntents: [], error });
  const started = await post(target.apiUrl, '/v1/conversations', target.apiKey, {
    customer: { id: `eval-${n}-${randomUUID().slice(0, 8)}`, name: 'Dana Eval', email: 'dana.eval@example.com' },
  });
  if ('error' in started) return failed(`start: ${started.error}`);
  const { conversationId, token } = started.body as { conversationId: string; token: string };
  const sent = await post(target.apiUrl, `/v1/conversations/${conversationId}/messages`, token, { messageId: 'm1', text: testCase.text });
  if ('error' in sent) return failed(`message: ${sent.error}`);
  const outcome = sent.body as {
    status?: string;
    reply?: { role?: string; citations?: string[] };
    handoff?: { reasons?: { code: string }[] };
    actions?: { name: string; ok: boolean }[];
  };
  const citations = outcome.reply?.citations ?? [];
  const citedIntents = await Promise.all(citations.map(async (id) => (await intents.intentOf(id)) ?? `?${id}`));
  return {
    status: outcome.status,
    handedOff: outcome.status === 'handoff' || outcome.handoff !== undefined,
    replyRole: outcome.reply?.role,
    handoffReasons: (outcome.handoff?.reasons ?? []).map((r) => r.code),
    citations,
    citedIntents,
    actionIntents: actionIntentsOf((outcome.actions ?? []).map((action) => action.name), SUPPORT_CONFIG),
    latencyMs: sent.ms,
  };
}

function isRight(testCase: Case, outcome: Outcome): boolean {
  if (outcome.error) return false;
  return isRoutedRight(testCase, {
    handedOff: outcome.handedOff,
    aiReplied: outcome.replyRole === 'ai',
    citedIntents: outcome.citedIntents,
    actionIntents: outcome.actionIntents,
  });
}

/**
 * POST with a JSON body; a 429 is waited out (`retry-after`) and sent again, which the message id
 * makes safe. `ms` is the time of the attempt that answered.
 */
async function post(
  apiUrl: string,
  route: string,
  bearer: string,
  body: unknown,
): Promise<{ body: unknown; ms: number } | { error: string }> {
  for (let attempt = 0; ; attempt++) {
    const t0 = performance.now();
    let res: Response;
    try {
      res = await fetch(`${apiUrl}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      return { error: `no answer (${err instanceof Error ? err.message : String(err)})` };
    }
    const text = await res.text();
    const ms = performance.now() - t0;
    if (res.status === 429 && attempt < RATE_LIMIT_RETRIES) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      continue;
    }
    if (!res.ok) {
      const code = /"code"\s*:\s*"([^"]+)"/.exec(text)?.[1];
      return { error: `HTTP ${res.status}${code ? ` ${code}` : ''}` };
    }
    return { body: JSON.parse(text) as unknown, ms };
  }
}

/** Runs every case with at most `concurrency` in flight; outcomes in the cases' order. */
async function runCases(cases: Case[], concurrency: number, run: (c: Case, n: number) => Promise<Outcome>): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array<Outcome>(cases.length);
  let next = 0;
  let done = 0;
  const progress = process.stderr.isTTY ? () => process.stderr.write(`\r[eval] ${done}/${cases.length} cases`) : () => undefined;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, cases.length) }, async () => {
      while (next < cases.length) {
        const n = next++;
        outcomes[n] = await run(cases[n] as Case, n);
        done++;
        progress();
      }
    }),
  );
  if (process.stderr.isTTY) process.stderr.write('\n');
  return outcomes;
}

function buildReport(input: {
  file: string;
  target: Target;
  concurrency: number;
  cases: Case[];
  outcomes: Outcome[];
  seconds: number;
  minRouting?: number;
}): Report {
  const { cases, outcomes } = input;
  const byKind: Partial<Record<Kind, Tally>> = {};
  const byIntent: Record<string, Tally> = {};
  const count = (tallies: Record<string, Tally>, key: string, right: boolean): void => {
    const tally = (tallies[key] ??= { cases: 0, right: 0, accuracy: null });
    tally.cases++;
    if (right) tally.right++;
    tally.accuracy = round(tally.right / tally.cases);
  };
  const misses: Miss[] = [];
  let right = 0;
  cases.forEach((testCase, i) => {
    const outcome = outcomes[i] as Outcome;
    const ok = isRight(testCase, outcome);
    if (ok) right++;
    count(byKind, testCase.kind, ok);
    if (testCase.intent) count(byIntent, testCase.intent, ok);
    if (!ok) {
      misses.push({
        kind: kindLabel(testCase),
        text: testCase.text,
        status: outcome.status ?? null,
        handedOff: outcome.handedOff,
        handoffReasons: outcome.handoffReasons,
        citedIntents: outcome.citedIntents,
        ...(outcome.error ? { error: outcome.error } : {}),
      });
    }
  });
  const latencies = outcomes.flatMap((o) => (o.latencyMs === undefined ? [] : [o.latencyMs]));
  const latency = summarize(latencies, input.seconds);
  return {
    file: input.file,
    target: input.target.apiUrl,
    model: input.target.model,
    concurrency: input.concurrency,
    cases: cases.length,
    right,
    routingAccuracy: round(right / cases.length),
    errors: outcomes.filter((o) => o.error).length,
    byKind: Object.fromEntries(KINDS.flatMap((kind) => (byKind[kind] ? [[kind, byKind[kind]]] : []))),
    byIntent: Object.fromEntries(Object.entries(byIntent).sort(([a], [b]) => a.localeCompare(b))),
    latencyMs: { count: latency.count, p50: latencies.length ? Math.round(latency.p50) : null, p99: latencies.length ? Math.round(latency.p99) : null },
    seconds: Number(input.seconds.toFixed(1)),
    misses,
    ...(input.minRouting === undefined ? {} : { minRouting: input.minRouting }),
  };
}

function formatReport(report: Report): string {
  const out: string[] = [];
  const write = (line = ''): void => {
    out.push(line);
  };
  const tallyRow = (label: string, t: Tally): (string | number)[] => [label, t.cases, t.right, percent(t.accuracy)];
  write(`${report.cases} cases from ${report.file} against ${report.target} (model: ${report.model}), ${report.concurrency} in flight`);
  write();
  const rows: (string | number)[][] = [];
  for (const [kind, tally] of Object.entries(report.byKind)) {
    rows.push(tallyRow(kind, tally));
    if (kind === 'ai') for (const [intent, t] of Object.entries(report.byIntent)) rows.push(tallyRow(`  ai:${intent}`, t));
  }
  rows.push(tallyRow('routing (all)', { cases: report.cases, right: report.right, accuracy: report.routingAccuracy }));
  write(formatTable(['kind', 'cases', 'right', 'accuracy'], rows, 1).trimEnd());
  write();
  const { p50, p99, count } = report.latencyMs;
  write(
    `message POST latency: p50 ${p50 ?? 'n/a'} ms, p99 ${p99 ?? 'n/a'} ms over ${count} messages; ` +
      `${report.seconds} s in all (${round(report.seconds / report.cases, 2)} s a case at ${report.concurrency} in flight)`,
  );
  if (report.errors > 0) write(`${report.errors} case(s) got no answer from the API (counted as misses; exit code 1)`);
  if (report.minRouting !== undefined) {
    const pass = report.routingAccuracy >= report.minRouting;
    write(`routing ${percent(report.routingAccuracy)} ${pass ? '>=' : '<'} minimum ${percent(report.minRouting)}: ${pass ? 'pass' : 'FAIL'}`);
  }
  if (report.misses.length > 0) {
    write();
    write(`misses (${report.misses.length}):`);
    const kindWidth = Math.max(...report.misses.map((m) => m.kind.length));
    for (const miss of report.misses) {
      write(`  ${miss.kind.padEnd(kindWidth)}  ${JSON.stringify(truncate(miss.text, MISS_TEXT_CHARS))}`);
      write(`  ${' '.repeat(kindWidth)}  -> ${happened(miss)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** What a miss turned into: status, handoff reasons, cited intents (or the error). */
function happened(miss: Miss): string {
  if (miss.error) return `error: ${miss.error}`;
  const parts = [`status ${miss.status ?? 'none'}`];
  if (!miss.handedOff) parts.push('no handoff');
  else parts.push(`handoff ${miss.handoffReasons.join(', ') || '(no reason given)'}`);
  parts.push(miss.citedIntents.length > 0 ? `cited ${miss.citedIntents.join(', ')}` : 'no citation');
  return parts.join('; ');
}

function kindLabel(testCase: Case): string {
  return testCase.kind === 'ai' ? `ai:${testCase.intent}` : testCase.kind;
}

function truncate(text: string, chars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= chars ? flat : `${flat.slice(0, chars - 1)}…`;
}

class UsageError extends Error {}

function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}

function percent(fraction: number | null): string {
  return fraction === null ? 'n/a' : `${(fraction * 100).toFixed(2)}%`;
}

main().catch((err: unknown) => {
  const misused = err instanceof UsageError || err instanceof CsvError || String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  if (misused) process.stderr.write(`${USAGE}\n`);
  process.exitCode = misused ? 2 : 1;
});
