import { join } from 'node:path';

import { AgiProtocolErrorCode } from './agi.exception.js';
import { fixtureBytes, fixtureChunks, loadAgiFixture } from './agi-fixture.js';
import type { AgiParserEvent } from './agi-message.js';
import { AgiRequestParser, type AgiParserOptions } from './agi-request-parser.js';

const FIXTURE = join(import.meta.dirname, '../../../test/fixtures/asterisk-22/agi-routed-direct.agi.jsonl');
const records = loadAgiFixture(FIXTURE);
/** Everything Asterisk sent on the recorded connection. */
const asterisk = fixtureBytes(records, 'asterisk');
const headerEnd = asterisk.indexOf('\n\n') + 2;
/** The agi_* block through its empty line, as Asterisk sent it. */
const header = asterisk.subarray(0, headerEnd);
const headerText = header.toString('utf8');

type Seen = ReturnType<typeof plain>;

/** Events as plain data (errors by code and line), so runs can be compared with toEqual. */
function plain(e: AgiParserEvent) {
  return e.type === 'error' ? { type: 'error' as const, code: e.error.code, line: e.error.line } : e;
}

function run(chunks: readonly Uint8Array[], options?: AgiParserOptions): Seen[] {
  const seen: Seen[] = [];
  const parser = new AgiRequestParser((e) => seen.push(plain(e)), options);
  for (const c of chunks) parser.push(c);
  parser.end();
  return seen;
}

/** One chunk, byte by byte, and split in two at every offset (every 7th above 2 KiB, to keep the run short). */
function chunkings(bytes: Buffer): Array<[string, Buffer[]]> {
  const out: Array<[string, Buffer[]]> = [
    ['one chunk', [bytes]],
    ['byte by byte', [...bytes].map((b) => Buffer.from([b]))],
  ];
  const step = bytes.length > 2048 ? 7 : 1;
  for (let i = 1; i < bytes.length; i += step) {
    out.push([`split at ${i}`, [bytes.subarray(0, i), bytes.subarray(i)]]);
  }
  return out;
}

/** Same events whatever the fragmentation; returns them. */
function parseAllWays(bytes: Buffer, options?: AgiParserOptions): Seen[] {
  const expected = run([bytes], options);
  for (const [name, chunks] of chunkings(bytes)) {
    const got = run(chunks, options);
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      expect({ chunking: name, events: got }).toEqual({ chunking: name, events: expected });
    }
  }
  return expected;
}

const withHeader = (...lines: string[]) => Buffer.concat([header, Buffer.from(lines.join(''), 'utf8')]);
const header_ = (replace: (text: string) => string) => Buffer.from(replace(headerText), 'utf8');

describe('AgiRequestParser on the recorded FastAGI conversation (agi-routed-direct)', () => {
  const expectedEvents = [
    'request',
    { kind: 'result', code: 200, result: '1', data: '+79161234567', raw: '200 result=1 (+79161234567)' },
    { kind: 'result', code: 200, result: '1', raw: '200 result=1' },
    { kind: 'result', code: 200, result: '1', raw: '200 result=1' },
    { kind: 'result', code: 200, result: '1', raw: '200 result=1' },
    { kind: 'result', code: 200, result: '0', raw: '200 result=0' },
    'hangup',
  ];
  const summary = (events: Seen[]) =>
    events.map((e) => (e.type === 'reply' ? e.reply : e.type === 'error' ? e : e.type));

  it('reads the header block, the five replies and HANGUP from the reads as recorded', () => {
    expect(summary(run(fixtureChunks(records, 'asterisk')))).toEqual(expectedEvents);
  });

  it('gives identical events for one chunk, byte by byte and a split at every offset', () => {
    expect(summary(parseAllWays(asterisk))).toEqual(expectedEvents);
  });

  it('parses the request environment into typed fields, keeping every raw header', () => {
    const [first] = run([header]);
    if (first.type !== 'request') throw new Error(`expected a request, got ${first.type}`);
    const r = first.request;
    expect(r).toEqual({
      network: true,
      networkScript: 'responsible?did=74951234567',
      request: 'agi://127.0.0.1:4573/responsible?did=74951234567',
      route: 'responsible',
      query: { did: '74951234567' },
      channel: 'Local/74951234567@incoming-0000000a;2',
      language: 'en',
      type: 'Local',
      uniqueId: '1795381061.21',
      version: '22.10.1',
      callerId: '+79161234567',
      callerIdName: 'Ivan Petrov',
      callingPres: 0,
      callingAni2: 0,
      callingTon: 0,
      callingTns: 0,
      context: 'incoming',
      extension: '74951234567',
      priority: 3,
      enhanced: false,
      threadId: '140007044003520',
      args: [],
      raw: expect.any(Object),
    });
    // "unknown" and empty values are undefined in the typed fields, kept in raw
    expect([r.dnid, r.rdnis, r.accountCode]).toEqual([undefined, undefined, undefined]);
    expect(r.raw.agi_dnid).toBe('unknown');
    expect(r.raw.agi_rdnis).toBe('unknown');
    expect(r.raw.agi_accountcode).toBe('');
    expect(r.raw.agi_request).toBe('agi://127.0.0.1:4573/responsible?did=74951234567');
    expect(Object.keys(r.raw)).toHaveLength(headerText.trimEnd().split('\n').length);
  });
});

describe('AgiRequestParser: request environment variants', () => {
  const requestOf = (bytes: Buffer) => {
    const events = parseAllWays(bytes);
    expect(events[0]?.type).toBe('request');
    return (events[0] as Extract<AgiParserEvent, { type: 'request' }>).request;
  };

  it.each<[string, (t: string) => string, Record<string, unknown>]>([
    [
      'agi_arg_N in numeric order (10 after 9)',
      (t) =>
        t.replace(
          /\n\n$/,
          '\n' + Array.from({ length: 11 }, (_, i) => `agi_arg_${i + 1}: a${i + 1}`).join('\n') + '\n\n',
        ),
      { args: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10', 'a11'] },
    ],
    [
      'values holding ":" and "?" and "=", and "+" kept in the query',
      (t) =>
        t
          .replace(
            /agi_network_script: .*/,
            'agi_network_script: crm/responsible/?did=%2B7495&next=a:b?c=d&did=2&flag',
          )
          .replace(/agi_calleridname: .*/, 'agi_calleridname: Ivan: "CEO" ?=!'),
      {
        route: 'crm/responsible',
        query: { did: '+7495', next: 'a:b?c=d', flag: '' },
        callerIdName: 'Ivan: "CEO" ?=!',
      },
    ],
    [
      'a "+" in the query is not a space (Asterisk does not URL-encode ${EXTEN})',
      (t) =>
        t.replace(/agi_network_script: .*/, 'agi_network_script: responsible?did=+74951234567&bad=%E0%A4%A'),
      { query: { did: '+74951234567', bad: '%E0%A4%A' } },
    ],
    [
      'no agi_network_script: route and query from agi_request',
      (t) => t.replace(/agi_network_script: .*\n/, ''),
      { networkScript: undefined, route: 'responsible', query: { did: '74951234567' } },
    ],
    [
      'agi://host:port without a script',
      (t) =>
        t
          .replace(/agi_network_script: .*\n/, '')
          .replace(/agi_request: .*/, 'agi_request: agi://127.0.0.1:4573'),
      { route: '', query: {} },
    ],
    [
      'caller id unknown (anonymous call), DNID present, EAGI',
      (t) =>
        t
          .replace(/agi_callerid: .*/, 'agi_callerid: unknown')
          .replace(/agi_calleridname: .*/, 'agi_calleridname: unknown')
          .replace(/agi_dnid: .*/, 'agi_dnid: 74951234567')
          .replace(/agi_enhanced: .*/, 'agi_enhanced: 1.0'),
      { callerId: undefined, callerIdName: undefined, dnid: '74951234567', enhanced: true },
    ],
    [
      'Cyrillic caller name (UTF-8 split across reads)',
      (t) => t.replace(/agi_calleridname: .*/, 'agi_calleridname: Иван «Ваня» Петров'),
      { callerIdName: 'Иван «Ваня» Петров' },
    ],
    [
      'CRLF line ends are tolerated',
      (t) => t.replace(/\n/g, '\r\n'),
      { callerIdName: 'Ivan Petrov', route: 'responsible' },
    ],
  ])('%s', (_name, edit, expected) => {
    const r = requestOf(header_(edit));
    for (const [k, v] of Object.entries(expected))
      expect({ [k]: r[k as keyof typeof r] }).toEqual({ [k]: v });
  });

  it('never throws on invalid UTF-8: bad bytes become U+FFFD, raw keeps the decoded text', () => {
    const bytes = Buffer.concat([
      Buffer.from(headerText.slice(0, headerText.indexOf('agi_calleridname: ') + 18)),
      Buffer.from([0xff, 0xfe, 0xd0]), // invalid bytes, then a truncated 2-byte sequence
      Buffer.from(
        ' Ivan' + headerText.slice(headerText.indexOf('\n', headerText.indexOf('agi_calleridname'))),
      ),
    ]);
    const r = requestOf(bytes);
    expect(r.callerIdName).toBe('\uFFFD\uFFFD\uFFFD Ivan');
    expect(r.raw.agi_calleridname).toBe('\uFFFD\uFFFD\uFFFD Ivan');
  });
});

describe('AgiRequestParser: replies after the header (synthetic lines in res_agi formats)', () => {
  it.each<[string, string, unknown[]]>([
    [
      'GET VARIABLE with parentheses inside the value',
      '200 result=1 (Ivan (ACME))\n',
      [{ kind: 'result', code: 200, result: '1', data: 'Ivan (ACME)', raw: '200 result=1 (Ivan (ACME))' }],
    ],
    [
      'a value that looks like an attribute',
      '200 result=1 (a) b=c)\n',
      [{ kind: 'result', code: 200, result: '1', data: 'a) b=c', raw: '200 result=1 (a) b=c)' }],
    ],
    [
      'an empty value',
      '200 result=1 ()\n',
      [{ kind: 'result', code: 200, result: '1', data: '', raw: '200 result=1 ()' }],
    ],
    [
      'Cyrillic value',
      '200 result=1 (Иван Петров)\n',
      [{ kind: 'result', code: 200, result: '1', data: 'Иван Петров', raw: '200 result=1 (Иван Петров)' }],
    ],
    [
      'STREAM FILE endpos',
      '200 result=0 endpos=24807\n',
      [{ kind: 'result', code: 200, result: '0', endpos: 24807, raw: '200 result=0 endpos=24807' }],
    ],
    [
      'data, attribute and endpos',
      '200 result=1 (digit) digit=* endpos=998877660\n',
      [
        {
          kind: 'result',
          code: 200,
          result: '1',
          data: 'digit',
          attributes: { digit: '*' },
          endpos: 998877660,
          raw: '200 result=1 (digit) digit=* endpos=998877660',
        },
      ],
    ],
    [
      'GET DATA timeout with empty result',
      '200 result= (timeout)\n',
      [{ kind: 'result', code: 200, result: '', data: 'timeout', raw: '200 result= (timeout)' }],
    ],
    [
      'GOSUB: 100 Trying then 200 with text',
      '100 result=0 Trying...\n200 result=0 Gosub complete\n',
      [
        { kind: 'result', code: 100, result: '0', text: 'Trying...', raw: '100 result=0 Trying...' },
        {
          kind: 'result',
          code: 200,
          result: '0',
          text: 'Gosub complete',
          raw: '200 result=0 Gosub complete',
        },
      ],
    ],
    [
      '503 memory allocation failure',
      '503 result=-2 Memory allocation failure\n',
      [
        {
          kind: 'result',
          code: 503,
          result: '-2',
          text: 'Memory allocation failure',
          raw: '503 result=-2 Memory allocation failure',
        },
      ],
    ],
    [
      '510',
      '510 Invalid or unknown command\n',
      [
        {
          kind: 'invalid-command',
          code: 510,
          message: 'Invalid or unknown command',
          raw: '510 Invalid or unknown command',
        },
      ],
    ],
    [
      '511 (both wordings)',
      '511 Command Not Permitted on a dead channel\n511 Command Not Permitted on a dead channel or intercept routine\n',
      [
        {
          kind: 'dead-channel',
          code: 511,
          message: 'Command Not Permitted on a dead channel',
          raw: '511 Command Not Permitted on a dead channel',
        },
        {
          kind: 'dead-channel',
          code: 511,
          message: 'Command Not Permitted on a dead channel or intercept routine',
          raw: '511 Command Not Permitted on a dead channel or intercept routine',
        },
      ],
    ],
    [
      '520 without usage',
      '520 Invalid command syntax.  Proper usage not available.\n',
      [
        {
          kind: 'usage',
          code: 520,
          message: 'Invalid command syntax.  Proper usage not available.',
          usage: [],
          raw: '520 Invalid command syntax.  Proper usage not available.',
        },
      ],
    ],
    [
      '520 multi-line usage, then the next reply',
      '520-Invalid command syntax.  Proper usage follows:\n Usage: SET VARIABLE <variablename> <value>\n\n200 looks like a reply\n520 End of proper usage.\n200 result=1\n',
      [
        {
          kind: 'usage',
          code: 520,
          message: 'Invalid command syntax.  Proper usage follows:',
          usage: [' Usage: SET VARIABLE <variablename> <value>', '', '200 looks like a reply'],
          raw: '520-Invalid command syntax.  Proper usage follows:\n Usage: SET VARIABLE <variablename> <value>\n\n200 looks like a reply\n520 End of proper usage.',
        },
        { kind: 'result', code: 200, result: '1', raw: '200 result=1' },
      ],
    ],
    [
      '520 usage glued to its end line (older res_agi, no LF after the usage)',
      '520-Invalid command syntax.  Proper usage follows:\nReturns the digits received.520 End of proper usage.\n',
      [
        {
          kind: 'usage',
          code: 520,
          message: 'Invalid command syntax.  Proper usage follows:',
          usage: ['Returns the digits received.'],
          raw: '520-Invalid command syntax.  Proper usage follows:\nReturns the digits received.520 End of proper usage.',
        },
      ],
    ],
    [
      'an unknown code is kept',
      '599 Something new\n',
      [{ kind: 'other', code: 599, message: 'Something new', raw: '599 Something new' }],
    ],
    ['CRLF tolerated', '200 result=1\r\n', [{ kind: 'result', code: 200, result: '1', raw: '200 result=1' }]],
    ['HANGUP twice (on hangup, and when the AGI ends)', 'HANGUP\nHANGUP\n', ['hangup', 'hangup']],
  ])('%s', (_name, lines, expected) => {
    const events = parseAllWays(withHeader(lines));
    expect(events[0].type).toBe('request');
    expect(
      events.slice(1).map((e) => (e.type === 'reply' ? e.reply : e.type === 'error' ? e : e.type)),
    ).toEqual(expected);
  });
});

describe('AgiRequestParser: garbage, oversize and truncation are errors with a code', () => {
  const big = (n: number, line: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => line(i)).join('');
  const args = (n: number, size: number) =>
    header_((t) =>
      t.replace(/\n\n$/, '\n' + big(n, (i) => `agi_arg_${i + 1}: ${'x'.repeat(size)}\n`) + '\n'),
    );

  it.each<
    [string, Buffer, AgiParserOptions | undefined, string[], { code: AgiProtocolErrorCode; line?: string }]
  >([
    [
      'an HTTP request on the AGI port',
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      undefined,
      [],
      { code: AgiProtocolErrorCode.INVALID_HEADER_LINE, line: 'GET / HTTP/1.1' },
    ],
    [
      'a non agi_ line inside the header',
      header_((t) => t.replace('agi_language: en\n', 'agi_language: en\nhello world\n')),
      undefined,
      [],
      { code: AgiProtocolErrorCode.INVALID_HEADER_LINE, line: 'hello world' },
    ],
    [
      'a header line without a colon',
      header_((t) => t.replace('agi_language: en\n', 'agi_language en\n')),
      undefined,
      [],
      { code: AgiProtocolErrorCode.INVALID_HEADER_LINE, line: 'agi_language en' },
    ],
    [
      'a duplicated key',
      header_((t) => t.replace('agi_language: en\n', 'agi_language: en\nagi_language: ru\n')),
      undefined,
      [],
      { code: AgiProtocolErrorCode.DUPLICATE_HEADER, line: 'agi_language: ru' },
    ],
    [
      'a header block without agi_request',
      Buffer.from('agi_network: yes\n\n'),
      undefined,
      [],
      { code: AgiProtocolErrorCode.MISSING_REQUEST },
    ],
    [
      'an empty line first',
      Buffer.from('\nagi_network: yes\n'),
      undefined,
      [],
      { code: AgiProtocolErrorCode.MISSING_REQUEST },
    ],
    [
      'more than 200 header lines',
      args(200, 1),
      undefined,
      [],
      { code: AgiProtocolErrorCode.HEADER_TOO_LARGE },
    ],
    [
      'a header block over 16 KiB',
      args(20, 1000),
      undefined,
      [],
      { code: AgiProtocolErrorCode.HEADER_TOO_LARGE },
    ],
    [
      'a header block over 16 KiB with no LF at all',
      Buffer.from('agi_network: yes\nagi_x: ' + 'x'.repeat(17000)),
      { maxLineBytes: 32 * 1024 },
      [],
      { code: AgiProtocolErrorCode.HEADER_TOO_LARGE },
    ],
    [
      'a header line over 8 KiB (no LF)',
      Buffer.from('agi_network: yes\nagi_calleridname: ' + 'x'.repeat(9000)),
      undefined,
      [],
      { code: AgiProtocolErrorCode.LINE_TOO_LONG },
    ],
    [
      'a reply line over the limit',
      withHeader('200 result=1 (' + 'x'.repeat(300) + ')\n'),
      { maxLineBytes: 256 },
      ['request'],
      { code: AgiProtocolErrorCode.LINE_TOO_LONG },
    ],
    [
      'a reply that is not NNN ... nor HANGUP',
      withHeader('200 result=1\n', 'hello\n', '200 result=1\n'),
      undefined,
      ['request', 'reply'],
      { code: AgiProtocolErrorCode.INVALID_REPLY, line: 'hello' },
    ],
    [
      'a usage block over 200 lines',
      withHeader(
        '520-Invalid command syntax.  Proper usage follows:\n',
        big(250, () => 'usage\n'),
      ),
      undefined,
      ['request'],
      { code: AgiProtocolErrorCode.USAGE_TOO_LARGE },
    ],
    [
      'the connection ends inside the header',
      header.subarray(0, 100),
      undefined,
      [],
      { code: AgiProtocolErrorCode.TRUNCATED },
    ],
    [
      'the connection ends after the last header line but before the empty line',
      header.subarray(0, header.length - 1),
      undefined,
      [],
      { code: AgiProtocolErrorCode.TRUNCATED },
    ],
    [
      'the connection ends inside a reply line',
      withHeader('200 result=1 (+7916'),
      undefined,
      ['request'],
      { code: AgiProtocolErrorCode.TRUNCATED },
    ],
    [
      'the connection ends inside a usage block',
      withHeader('520-Invalid command syntax.  Proper usage follows:\nusage\n'),
      undefined,
      ['request'],
      { code: AgiProtocolErrorCode.TRUNCATED },
    ],
  ])('%s', (_name, bytes, options, before, error) => {
    const events = parseAllWays(bytes, options);
    expect(events.map((e) => e.type)).toEqual([...before, 'error']);
    expect(events.at(-1)).toEqual({ type: 'error', line: undefined, ...error });
  });

  it('stops buffering at the limit and ignores everything after an error', () => {
    const seen: Seen[] = [];
    const parser = new AgiRequestParser((e) => seen.push(plain(e)));
    const kib = Buffer.alloc(1024, 0x78);
    parser.push(Buffer.from('agi_calleridname: '));
    let maxBuffered = 0;
    for (let i = 0; i < 1024; i++) {
      parser.push(kib); // 1 MiB without LF
      maxBuffered = Math.max(maxBuffered, parser.bufferedBytes);
    }
    parser.push(Buffer.from('\n\n' + headerText));
    parser.end();
    expect(maxBuffered).toBeLessThanOrEqual(8 * 1024);
    expect(parser.bufferedBytes).toBe(0);
    expect(parser.finished).toBe(true);
    expect(seen).toEqual([{ type: 'error', code: AgiProtocolErrorCode.LINE_TOO_LONG, line: undefined }]);
  });

  it('reports nothing when the connection ends cleanly or before any byte', () => {
    expect(run([])).toEqual([]);
    expect(run([header]).map((e) => e.type)).toEqual(['request']);
  });

  it('accepts Uint8Array chunks as well as Buffers', () => {
    const u8 = new Uint8Array(
      asterisk.buffer.slice(asterisk.byteOffset, asterisk.byteOffset + asterisk.length),
    );
    expect(run([u8])).toEqual(run([asterisk]));
  });
});
