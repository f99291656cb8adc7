import { CsvError, formatCsv, parseCsv, readLabelledRows } from '../../../ai/csv';

describe('CSV parsing', () => {
  it('when fields are quoted, then commas, line breaks and doubled quotes stay inside the field', () => {
    // Arrange
    const text = 'text,label\n"hello, world",greeting\n"line one\nline two",multi\n"she said ""hi""",quote\n';

    // Act
    const rows = parseCsv(text);

    // Assert
    expect(rows).toEqual([
      ['text', 'label'],
      ['hello, world', 'greeting'],
      ['line one\nline two', 'multi'],
      ['she said "hi"', 'quote'],
    ]);
  });

  it('when lines end with CRLF and the file starts with a BOM, then neither leaks into the fields', () => {
    expect(parseCsv('\ufeffa,b\r\n1,2\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('when fields are empty or the last line has no newline, then every field is kept', () => {
    expect(parseCsv('a,,c\n,,\nx,y,')).toEqual([
      ['a', '', 'c'],
      ['', '', ''],
      ['x', 'y', ''],
    ]);
  });

  it('when a quoted field never closes, then parsing fails loudly', () => {
    expect(() => parseCsv('a,b\n"open,1\n')).toThrow(CsvError);
  });

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

  it('when rows are written and read back, then they are unchanged', () => {
    // Arrange
    const rows = [
      ['text', 'label'],
      ['a "quoted", multi\nline text', 'x'],
      ['plain', 'y'],
    ];

    // Act
    const roundTripped = parseCsv(formatCsv(rows));

    // Assert
    expect(roundTripped).toEqual(rows);
  });
});
