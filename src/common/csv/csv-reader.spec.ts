import { CsvError, CsvReader } from './csv-reader.js';

function read(text: string, chunks: 'one' | 'chars' | number = 'one'): [string[], number][] {
  const out: [string[], number][] = [];
  const r = new CsvReader((record, line) => out.push([record, line]));
  if (chunks === 'one') r.push(text);
  else if (chunks === 'chars') for (const c of text) r.push(c);
  else {
    r.push(text.slice(0, chunks));
    r.push(text.slice(chunks));
  }
  r.end();
  return out;
}

const cases: [string, string, [string[], number][]][] = [
  [
    'plain LF',
    'a,b\n1,2\n',
    [
      [['a', 'b'], 1],
      [['1', '2'], 2],
    ],
  ],
  [
    'CRLF and no final break',
    'a,b\r\n1,2',
    [
      [['a', 'b'], 1],
      [['1', '2'], 2],
    ],
  ],
  [
    'empty fields',
    ',\n,x,\n',
    [
      [['', ''], 1],
      [['', 'x', ''], 2],
    ],
  ],
  [
    'quoted delimiter, quote and line break',
    'n,"a, ""b""\r\nc"\nnext,1\n',
    [
      [['n', 'a, "b"\r\nc'], 1],
      [['next', '1'], 3],
    ],
  ],
  [
    'BOM and blank lines',
    '\uFEFFexternalRef\n\nx\n\r\n',
    [
      [['externalRef'], 1],
      [['x'], 3],
    ],
  ],
  ['Cyrillic', 'Иван Петров,+7 903 111-22-33\n', [[['Иван Петров', '+7 903 111-22-33'], 1]]],
  ['quote inside an unquoted field is kept', 'a"b,c\n', [[['a"b', 'c'], 1]]],
  ['empty quoted field', '"",x\n', [[['', 'x'], 1]]],
];

describe('CsvReader', () => {
  it.each(cases)('%s, as one chunk', (_n, text, expected) => expect(read(text)).toEqual(expected));
  it.each(cases)('%s, char by char', (_n, text, expected) => expect(read(text, 'chars')).toEqual(expected));
  it.each(cases)('%s, split at every offset', (_n, text, expected) => {
    for (let at = 0; at <= text.length; at++) expect(read(text, at)).toEqual(expected);
  });

  it('takes another delimiter', () => {
    const out: string[][] = [];
    const r = new CsvReader((rec) => out.push(rec), { delimiter: ';' });
    r.push('a;"b;c"\n');
    r.end();
    expect(out).toEqual([['a', 'b;c']]);
  });

  it('refuses an unclosed quote at the end, and a record past the limit, naming the line', () => {
    const r = new CsvReader(() => undefined);
    r.push('a\n"open\n');
    expect(() => r.end()).toThrow(new CsvError('the file ends inside a quoted field', 2));
    const small = new CsvReader(() => undefined, { maxRecordChars: 10 });
    small.push('ok\n');
    expect(() => small.push('"this never closes and goes on')).toThrow(/line 2: a record is longer than 10/);
    expect(() => small.push('more')).not.toThrow(); // ignored after the error
  });
});
