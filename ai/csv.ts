import { CsvError as ParseError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

// The one place that reads and writes CSV (RFC 4180 by csv-parse and csv-stringify): quoted fields
// may hold commas, quotes and line breaks; a BOM is dropped. What callers rely on beyond that is
// decided here: header names are trimmed, short rows read as empty strings, blank rows are no rows.

export class CsvError extends Error {
  override readonly name = 'CsvError';
}

const OPTIONS = {
  bom: true,
  // Any line ending, even mixed in one file (the default settles on the first one it sees).
  record_delimiter: ['\r\n', '\n', '\r'],
  // Ragged exports are common: parseCsvRecords pads short rows.
  relax_column_count: true,
  // Hand-made exports write `he said "hi"` without quoting the field: keep it as written.
  relax_quotes: true,
};

/** Every row as an array of fields, header included. Malformed input is a `CsvError` naming its line. */
function parseRows(text: string): string[][] {
  try {
    return parse(text, OPTIONS);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    if (err.code !== 'CSV_QUOTE_NOT_CLOSED') throw new CsvError(err.message, { cause: err });
    throw new CsvError(`a quoted field opened on line ${quoteOpeningLine(text, Number(err.records))} is never closed`, { cause: err });
  }
}

/**
 * An unclosed quote swallows the rest of the file, so csv-parse names the last line; the operator
 * needs the line where the quote opened: the one after the last complete record.
 */
function quoteOpeningLine(text: string, completeRecords: number): number {
  if (completeRecords === 0) return 1;
  let lastLine = 0;
  parse(text, {
    ...OPTIONS,
    to: completeRecords,
    on_record: (record, { lines }) => {
      lastLine = lines;
      return record;
    },
  });
  return lastLine + 1;
}

/** Rows keyed by the header's column names; short rows get empty strings for missing columns. */
export function parseCsvRecords(text: string): { columns: string[]; records: Record<string, string>[] } {
  const [header, ...rows] = parseRows(text);
  if (!header) return { columns: [], records: [] };
  const columns = header.map((name) => name.trim());
  const records = rows
    .filter((fields) => fields.some((value) => value !== ''))
    .map((fields) => Object.fromEntries(columns.map((name, i) => [name, fields[i] ?? ''])));
  return { columns, records };
}

/**
 * The text and label columns of a labelled CSV, rows with an empty text or label left out.
 * Throws a message naming the missing column and the ones that exist.
 */
export function readLabelledRows(
  csvText: string,
  textColumn: string,
  labelColumn: string,
): { texts: string[]; labels: string[]; skipped: number } {
  const { columns, records } = parseCsvRecords(csvText);
  for (const wanted of [textColumn, labelColumn]) {
    if (!columns.includes(wanted)) {
      throw new CsvError(`no column "${wanted}" in the CSV; its columns are: ${columns.join(', ')}`);
    }
  }
  const texts: string[] = [];
  const labels: string[] = [];
  for (const record of records) {
    const text = (record[textColumn] ?? '').trim();
    const label = (record[labelColumn] ?? '').trim();
    if (text === '' || label === '') continue;
    texts.push(text);
    labels.push(label);
  }
  return { texts, labels, skipped: records.length - texts.length };
}

/** CSV text for `rows`, quoting only the fields that need it; lines end with LF. */
export function formatCsv(rows: string[][]): string {
  return stringify(rows);
}
