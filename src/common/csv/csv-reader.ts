/**
 * Streaming CSV reader (RFC 4180 as spreadsheets write it): fields separated by a delimiter,
 * records by CRLF or LF, fields in double quotes may hold the delimiter, line breaks and `""` for
 * a quote. A UTF-8 BOM at the start is dropped. `push()` takes any split of the text; records come
 * out through `emit` with the line number they start on. A record longer than `maxRecordChars`
 * (an unterminated quote eats the whole file) is an error, and nothing more is read.
 */
export class CsvError extends Error {
  override readonly name = 'CsvError';

  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export interface CsvReaderOptions {
  readonly delimiter?: string;
  readonly maxRecordChars?: number;
}

type State = 'start' | 'unquoted' | 'quoted' | 'quote-in-quoted';

export class CsvReader {
  private readonly delimiter: string;
  private readonly maxRecordChars: number;
  private state: State = 'start';
  private field = '';
  private fields: string[] = [];
  private recordChars = 0;
  private line = 1;
  private recordLine = 1;
  private first = true;
  private lastWasCr = false;
  private failed = false;

  constructor(
    private readonly emit: (record: string[], line: number) => void,
    options: CsvReaderOptions = {},
  ) {
    this.delimiter = options.delimiter ?? ',';
    if (
      this.delimiter.length !== 1 ||
      this.delimiter === '"' ||
      this.delimiter === '\n' ||
      this.delimiter === '\r'
    ) {
      throw new Error(`delimiter must be one character other than a quote or a line break`);
    }
    this.maxRecordChars = options.maxRecordChars ?? 1 << 20;
  }

  push(text: string): void {
    if (this.failed) return;
    let i = 0;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    for (; i < text.length; i++) {
      const c = text[i];
      if (++this.recordChars > this.maxRecordChars) {
        this.failed = true;
        throw new CsvError(
          `a record is longer than ${this.maxRecordChars} characters (an unclosed quote?)`,
          this.recordLine,
        );
      }
      const cr = this.lastWasCr;
      this.lastWasCr = c === '\r';
      if (c === '\n') this.line++;
      switch (this.state) {
        case 'quoted':
          if (c === '"') this.state = 'quote-in-quoted';
          else this.field += c;
          continue;
        case 'quote-in-quoted':
          if (c === '"') {
            this.field += '"';
            this.state = 'quoted';
            continue;
          }
          this.state = 'unquoted'; // the closing quote; what follows is handled below
          break;
        case 'start':
          if (c === '"') {
            this.state = 'quoted';
            continue;
          }
          this.state = 'unquoted';
          break;
        case 'unquoted':
          break;
      }
      if (c === this.delimiter) {
        this.endField();
      } else if (c === '\n') {
        if (cr && this.field.endsWith('\r')) this.field = this.field.slice(0, -1);
        this.endRecord();
      } else {
        this.field += c;
      }
    }
  }

  /** The end of the input: a last record without a line break is emitted; an open quote is an error. */
  end(): void {
    if (this.failed) return;
    if (this.state === 'quoted') {
      this.failed = true;
      throw new CsvError('the file ends inside a quoted field', this.recordLine);
    }
    if (this.field.endsWith('\r')) this.field = this.field.slice(0, -1);
    if (this.fields.length > 0 || this.field !== '' || this.state !== 'start') this.endRecord();
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.state = 'start';
  }

  private endRecord(): void {
    this.endField();
    const record = this.fields;
    const line = this.recordLine;
    this.fields = [];
    this.recordChars = 0;
    this.recordLine = this.line;
    // A blank line is not a record.
    if (!(record.length === 1 && record[0] === '')) this.emit(record, line);
  }
}
