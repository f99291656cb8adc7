// Shared pieces of the benchmarks: latency statistics and argument parsing.

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  perSecond: number;
}

export function summarize(latenciesMs: number[], seconds: number): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return {
    count: sorted.length,
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1) ?? NaN),
    perSecond: round(sorted.length / seconds),
  };
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** `--name value` flags with defaults; numbers stay numbers. */
export function flags(argv: string[], defaults: Record<string, string>): Record<string, string> {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a?.startsWith('--')) out[a.slice(2)] = argv[i + 1] ?? '';
  }
  return out;
}

/** Runs `users` loops concurrently until `seconds` pass; each loop returns latencies it measured. */
export async function runFor(users: number, seconds: number, loop: (user: number, until: number) => Promise<number[]>): Promise<number[]> {
  const until = Date.now() + seconds * 1000;
  const results = await Promise.all(Array.from({ length: users }, (_, u) => loop(u, until)));
  return results.flat();
}

/** Per process, the CPU seconds it used between two `cpuSeconds()` snapshots. */
export function cpuSecondsUsed(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]));
}

/** Per process, the share of one core it used between two `cpuSeconds()` snapshots, in percent. */
export function cpuPercent(before: Record<string, number>, after: Record<string, number>, seconds: number): Record<string, number> {
  return Object.fromEntries(Object.entries(cpuSecondsUsed(before, after)).map(([name, used]) => [name, round((100 * used) / seconds, 0)]));
}

export function printTable(headers: string[], rows: (string | number)[][]): void {
  process.stdout.write(formatTable(headers, rows));
}

/** Columns right-aligned, except the first `leftAligned` of them. */
export function formatTable(headers: string[], rows: (string | number)[][], leftAligned = 0): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const pad = (c: string | number, i: number) => (i < leftAligned ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0));
  const line = (cells: (string | number)[]) => cells.map(pad).join('  ').trimEnd();
  return `${line(headers)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`;
}
