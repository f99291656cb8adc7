import { CsvError, formatCsv, parseCsvRecords, readLabelledRows } from '../../../ai/csv';

describe('reading CSV', () => {
  it('when fields are quoted, then commas, line breaks and doubled quotes stay inside the field', () => {
    // Arrange
    const text = 'text,label\n"hello, world",greeting\n"line one\nline two",multi\n"she said ""hi""",quote\n';

    // Act
    const { columns, records } = parseCsvRecords(text);

    // Assert
    expect(columns).toEqual(['text', 'label']);
    expect(records).toEqual([
      { text: 'hello, world', label: 'greeting' },
      { text: 'line one\nline two', label: 'multi' },
      { text: 'she said "hi"', label: 'quote' },
    ]);
  });

  it('when the file starts with a BOM and mixes CRLF, LF and CR line endings, then neither leaks into the fields', () => {
    expect(parseCsvRecords('\ufeffa,b\r\n1,2\n3,4\r5,6\r\n')).toEqual({
      columns: ['a', 'b'],
      records: [
        { a: '1', b: '2' },
        { a: '3', b: '4' },
        { a: '5', b: '6' },
      ],
    });
  });

  it('when header names are padded, rows are short or blank and the last line has no newline, then names are trimmed, missing fields are empty and blank rows are dropped', () => {
    expect(parseCsvRecords(' id , text ,channel\n1,,chat\n\n,,\n2\n3,hi,')).toEqual({
      columns: ['id', 'text', 'channel'],
      records: [
        { id: '1', text: '', channel: 'chat' },
        { id: '2', text: '', channel: '' },
        { id: '3', text: 'hi', channel: '' },
      ],
    });
  });

  it('when an unquoted field holds quotes, then it is kept as written', () => {
    expect(parseCsvRecords('id,text\n1,he said "hi" twice\n').records).toEqual([{ id: '1', text: 'he said "hi" twice' }]);
  });

  it('when a quoted field never closes, then the error is a CsvError naming the line where it opened, not the end of the file', () => {
    // Arrange: a record spanning two lines before it, and rows after it that the open quote swallows
    const text = 'a,b\n1,"two\nlines"\n"open,1\n2,2\n3,3\n';

    // Act
    const attempt = (): unknown => parseCsvRecords(text);

    // Assert
    expect(attempt).toThrow(CsvError);
    expect(attempt).toThrow('a quoted field opened on line 4 is never closed');
  });

  it('when the header itself opens a quote that never closes, then the error names line 1', () => {
    expect(() => parseCsvRecords('"a,b\n1,2\n')).toThrow('a quoted field opened on line 1 is never closed');
  });

  it('when the input is empty, then there are no columns and no records', () => {
    expect(parseCsvRecords('')).toEqual({ columns: [], records: [] });
  });
});

describe('reading labelled rows', () => {
  it('when a column is missing, then the error names it and lists the columns there are', () => {
    expect(() => readLabelledRows('utterance,intent\nhi,greet\n', 'text', 'intent')).toThrow(
      'no column "text" in the CSV; its columns are: utterance, intent',
    );
  });

  it('when rows have an empty text or label, then they are skipped and counted', () => {
    // Act
    const rows = readLabelledRows('text,label\nhello,greet\n,greet\nbye,\n\n', 'text', 'label');

    // Assert
    expect(rows).toEqual({ texts: ['hello'], labels: ['greet'], skipped: 2 });
  });
});

describe('writing CSV', () => {
  it('when fields hold no commas, quotes or line breaks, then they are written bare, one line per row ending in LF', () => {
    expect(formatCsv([['id', 'text'], ['1', 'plain words']])).toBe('id,text\n1,plain words\n');
  });

  it('when fields hold commas, quotes or line breaks, then only those are quoted, with quotes doubled', () => {
    expect(formatCsv([['a, b', 'say "hi"', 'two\nlines', 'ok']])).toBe('"a, b","say ""hi""","two\nlines",ok\n');
  });

  it('when rows are written and read back, then they are unchanged', () => {
    // Arrange
    const rows = [
      ['text', 'label'],
      ['a "quoted", multi\nline text', 'x'],
      ['carriage\rreturn', ''],
      ['plain', 'y'],
    ];

    // Act
    const roundTripped = parseCsvRecords(formatCsv(rows));

    // Assert
    expect(roundTripped).toEqual({
      columns: ['text', 'label'],
      records: rows.slice(1).map(([text, label]) => ({ text, label })),
    });
  });
});
