// A small RFC 4180 CSV reader: quoted fields may hold commas, quotes ("" escapes) and line breaks;
// rows end with LF, CRLF or CR. Enough for ticket exports without pulling in a dependency.

export class CsvError extends Error {
  override readonly name = 'CsvError';
}

/** Every row as an array of fields, header included. A trailing empty line is not a row. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endRow = (): void => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
    fieldStarted = false;
  };

  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (quoted) {
      if (ch !== '"') {
        field += ch;
      } else if (input[i + 1] === '"') {
        field += '"';
        i++;
      } else {
        quoted = false;
      }
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      fieldStarted = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && input[i + 1] === '\n') i++;
      endRow();
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) throw new CsvError('unterminated quoted field at end of input');
  if (fieldStarted || row.length > 0) endRow();
  return rows;
}

/** Rows keyed by the header's column names; short rows get empty strings for missing columns. */
export function parseCsvRecords(text: string): { columns: string[]; records: Record<string, string>[] } {
  const [header, ...rows] = parseCsv(text);
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
  const field = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return rows.map((row) => row.map(field).join(',')).join('\n') + '\n';
}
