import { parseRange } from './http-range.js';

describe('parseRange', () => {
  it.each([
    ['no header', undefined, 1000, { kind: 'full' }],
    ['first 100 bytes', 'bytes=0-99', 1000, { kind: 'partial', start: 0, end: 99 }],
    ['a middle range', 'bytes=100-199', 1000, { kind: 'partial', start: 100, end: 199 }],
    ['open-ended', 'bytes=900-', 1000, { kind: 'partial', start: 900, end: 999 }],
    ['end past the file is clipped', 'bytes=990-5000', 1000, { kind: 'partial', start: 990, end: 999 }],
    ['suffix', 'bytes=-100', 1000, { kind: 'partial', start: 900, end: 999 }],
    ['suffix longer than the file', 'bytes=-5000', 1000, { kind: 'partial', start: 0, end: 999 }],
    ['start at the end', 'bytes=1000-', 1000, { kind: 'unsatisfiable' }],
    ['start past the end', 'bytes=2000-2100', 1000, { kind: 'unsatisfiable' }],
    ['empty suffix', 'bytes=-0', 1000, { kind: 'unsatisfiable' }],
    ['any range of an empty file', 'bytes=0-0', 0, { kind: 'unsatisfiable' }],
    ['spaces and case', ' Bytes = 0-9', 1000, { kind: 'partial', start: 0, end: 9 }],
    ['several ranges: whole file', 'bytes=0-9,20-29', 1000, { kind: 'full' }],
    ['other unit: whole file', 'items=0-9', 1000, { kind: 'full' }],
    ['reversed: ignored', 'bytes=9-0', 1000, { kind: 'full' }],
    ['garbage: ignored', 'bytes=abc', 1000, { kind: 'full' }],
    ['no numbers: ignored', 'bytes=-', 1000, { kind: 'full' }],
  ])('%s', (_name, header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});
