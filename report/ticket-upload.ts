import { RuleViolation } from '../domain/rules';
import { parseCsvRecords, CsvError } from '../ai/csv';
import type { AuditTicketInput } from '../db/audits';

// Turns an uploaded ticket export (CSV or JSON) into tickets: an id, a date and a text per row, the
// other columns kept as they are. Column names are found by common spellings unless given.

export interface ColumnNames {
  id?: string;
  date?: string;
  text?: string;
}

export interface TicketUpload {
  tickets: AuditTicketInput[];
  /** Rows without text. */
  skipped: number;
  /** The columns used; `id` absent means tickets are numbered by row. */
  columns: ColumnNames;
}

export const MAX_TICKETS = 50_000;
/** Longer texts are cut: the classifier reads the beginning of a ticket. */
const MAX_TEXT_LENGTH = 8000;
const MAX_ID_LENGTH = 200;

const USUAL_NAMES: Record<keyof ColumnNames, string[]> = {
  id: ['id', 'ticket_id', 'ticketid', 'ticket id', 'ticket', 'number'],
  date: ['date', 'created_at', 'createdat', 'created', 'created at', 'timestamp', 'opened'],
  text: ['text', 'body', 'message', 'description', 'content', 'utterance', 'question'],
};

function findColumn(columns: string[], wanted: keyof ColumnNames, given: string | undefined): string | undefined {
  if (given !== undefined) {
    if (!columns.includes(given)) {
      throw new RuleViolation('missing_column', `no column "${given}" for ${wanted}; the columns are: ${columns.join(', ')}`);
    }
    return given;
  }
  return columns.find((c) => USUAL_NAMES[wanted].includes(c.trim().toLowerCase()));
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function readRecords(format: 'csv' | 'json', content: string): { columns: string[]; records: Record<string, string>[] } {
  if (format === 'csv') {
    try {
      return parseCsvRecords(content);
    } catch (err) {
      if (err instanceof CsvError) throw new RuleViolation('malformed_upload', `the CSV is malformed: ${err.message}`);
      throw err;
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw new RuleViolation('malformed_upload', 'the JSON content does not parse');
  }
  const rows = Array.isArray(parsed) ? parsed : (parsed as { tickets?: unknown })?.tickets;
  if (!Array.isArray(rows) || rows.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
    throw new RuleViolation('malformed_upload', 'the JSON must be an array of ticket objects, or { "tickets": [...] }');
  }
  const columns = [...new Set(rows.flatMap((r: object) => Object.keys(r)))];
  const records = rows.map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, asText(v)])));
  return { columns, records };
}

export function parseTicketUpload(format: 'csv' | 'json', content: string, given: ColumnNames = {}): TicketUpload {
  const { columns, records } = readRecords(format, content);
  const textColumn = findColumn(columns, 'text', given.text);
  if (!textColumn) {
    throw new RuleViolation('missing_column', `no text column found; name it with columns.text (the columns are: ${columns.join(', ')})`);
  }
  const idColumn = findColumn(columns, 'id', given.id);
  const dateColumn = findColumn(columns, 'date', given.date);
  if (records.length > MAX_TICKETS) throw new RuleViolation('too_many_tickets', `at most ${MAX_TICKETS} tickets per audit`);

  const used = new Set([textColumn, idColumn, dateColumn]);
  const tickets: AuditTicketInput[] = [];
  const seen = new Set<string>();
  const duplicates: string[] = [];
  let skipped = 0;
  records.forEach((record, index) => {
    const text = (record[textColumn] ?? '').trim();
    if (text === '') {
      skipped++;
      return;
    }
    const ticketId = ((idColumn ? record[idColumn]?.trim() : '') || `row-${index + 1}`).slice(0, MAX_ID_LENGTH);
    if (seen.has(ticketId)) duplicates.push(ticketId);
    seen.add(ticketId);
    const extra = Object.fromEntries(Object.entries(record).filter(([key]) => !used.has(key)));
    tickets.push({ ticketId, date: dateColumn ? record[dateColumn]?.trim() || undefined : undefined, text: text.slice(0, MAX_TEXT_LENGTH), extra });
  });
  if (duplicates.length > 0) {
    throw new RuleViolation('duplicate_ticket_id', `ticket ids must be unique; repeated: ${duplicates.slice(0, 5).join(', ')}`);
  }
  if (tickets.length === 0) throw new RuleViolation('no_tickets', 'the upload holds no ticket with text');
  return { tickets, skipped, columns: { id: idColumn, date: dateColumn, text: textColumn } };
}
