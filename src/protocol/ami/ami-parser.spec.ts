import type { AmiMessage } from './ami-message.js';
import { header, headerList } from './ami-message.js';
import { AmiParser, type AmiParserOptions } from './ami-parser.js';
import { AmiProtocolErrorCode } from './ami-protocol-error.js';

interface Parsed {
  messages: AmiMessage[];
  errors: AmiProtocolErrorCode[];
  banner: string | undefined;
  maxBuffered: number;
}

function parse(chunks: Buffer[], options: AmiParserOptions = {}): Parsed {
  const messages: AmiMessage[] = [];
  const errors: AmiProtocolErrorCode[] = [];
  const parser = new AmiParser((m) => messages.push(m), { ...options, onError: (e) => errors.push(e.code) });
  let maxBuffered = 0;
  for (const c of chunks) {
    parser.push(c);
    maxBuffered = Math.max(maxBuffered, parser.bufferedBytes);
  }
  return { messages, errors, banner: parser.banner, maxBuffered };
}

/** Every case runs as one chunk, byte by byte, and split in two at every offset. */
function chunkings(bytes: Buffer): Array<[string, Buffer[]]> {
  const out: Array<[string, Buffer[]]> = [
    ['one chunk', [bytes]],
    ['byte by byte', [...bytes].map((b) => Buffer.from([b]))],
  ];
  for (let i = 1; i < bytes.length; i++)
    out.push([`split at ${i}`, [bytes.subarray(0, i), bytes.subarray(i)]]);
  return out;
}

const plain = (m: AmiMessage) => ({ type: m.type, headers: { ...m.headers } });

interface Case {
  name: string;
  input: string | Buffer;
  options?: AmiParserOptions;
  banner?: string;
  messages: Array<{ type: AmiMessage['type']; headers: Record<string, string | string[]> }>;
  errors?: AmiProtocolErrorCode[];
}

const cases: Case[] = [
  {
    name: 'banner sharing a read with the login response (no blank line after the banner)',
    input:
      'Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nActionID: login-1\r\nMessage: Authentication accepted\r\n\r\n',
    banner: 'Asterisk Call Manager/11.0.0',
    messages: [
      {
        type: 'response',
        headers: { response: 'Success', actionid: 'login-1', message: 'Authentication accepted' },
      },
    ],
  },
  {
    name: 'Command response with repeated Output keys (queue-admin.ami)',
    input:
      'Response: Success\r\nActionID: cmd-1\r\nMessage: Command output follows\r\n' +
      'Output: System uptime: 2 minutes, 55 seconds\r\nOutput: Last reload: 2 minutes, 55 seconds\r\n\r\n',
    options: { expectBanner: false },
    messages: [
      {
        type: 'response',
        headers: {
          response: 'Success',
          actionid: 'cmd-1',
          message: 'Command output follows',
          output: ['System uptime: 2 minutes, 55 seconds', 'Last reload: 2 minutes, 55 seconds'],
        },
      },
    ],
  },
  {
    name: 'values holding ": " and "="',
    input:
      'Asterisk Call Manager/11.0.0\r\nEvent: VarSet\r\nVariable: MIXMONITOR_FILENAME\r\n' +
      'Value: /var/spool/asterisk/monitor/a.wav: x=1;y=2\r\nCallerID: "Ivan Petrov" <+79161234567>\r\n\r\n',
    banner: 'Asterisk Call Manager/11.0.0',
    messages: [
      {
        type: 'event',
        headers: {
          event: 'VarSet',
          variable: 'MIXMONITOR_FILENAME',
          value: '/var/spool/asterisk/monitor/a.wav: x=1;y=2',
          callerid: '"Ivan Petrov" <+79161234567>',
        },
      },
    ],
  },
  {
    name: 'bare LF line ends, and CR LF mixed with LF',
    input: 'Asterisk Call Manager/11.0.0\nEvent: Hangup\nCause: 16\n\nEvent: Newexten\r\nExten: s\n\r\n',
    banner: 'Asterisk Call Manager/11.0.0',
    messages: [
      { type: 'event', headers: { event: 'Hangup', cause: '16' } },
      { type: 'event', headers: { event: 'Newexten', exten: 's' } },
    ],
  },
  {
    name: 'empty values: "Key:" and "Key: "; only one separator space is removed',
    input: 'Event: Newchannel\r\nAccountCode:\r\nLanguage: \r\nCallerIDName:  Padded\r\nRaw:tight\r\n\r\n',
    options: { expectBanner: false },
    messages: [
      {
        type: 'event',
        headers: {
          event: 'Newchannel',
          accountcode: '',
          language: '',
          calleridname: ' Padded',
          raw: 'tight',
        },
      },
    ],
  },
  {
    name: 'keys are case-insensitive: lower-cased, and different spellings of one key form a list',
    input: 'EVENT: UserEvent\r\nChanVariable: A=1\r\nchanvariable: B=2\r\nCHANVARIABLE: C=3\r\n\r\n',
    options: { expectBanner: false },
    messages: [{ type: 'event', headers: { event: 'UserEvent', chanvariable: ['A=1', 'B=2', 'C=3'] } }],
  },
  {
    name: 'type comes from the first key (action on a server, unknown otherwise); blank lines between frames ignored',
    input: '\r\n\r\nAction: Login\r\nUsername: crm\r\n\r\n\n\r\nFoo: bar\r\nEvent: NotFirst\r\n\r\n',
    options: { expectBanner: false },
    messages: [
      { type: 'action', headers: { action: 'Login', username: 'crm' } },
      { type: 'unknown', headers: { foo: 'bar', event: 'NotFirst' } },
    ],
  },
  {
    name: 'a key that differs from the one seen last time in that place (same length, longer, shorter) is read as written',
    input:
      'Event: A\r\nFoo: 1\r\nBar: 2\r\n\r\n' +
      'Event: A\r\nFox: 1\r\nBar: 2\r\n\r\n' +
      'Event: A\r\nFoobar: 1\r\nBa: 2\r\n\r\n' +
      'Event: A\r\nFoo:\r\nBar:x: y\r\n\r\n' +
      'Event: A\r\nFo: 1\r\nBar\r\n\r\n',
    options: { expectBanner: false },
    messages: [
      { type: 'event', headers: { event: 'A', foo: '1', bar: '2' } },
      { type: 'event', headers: { event: 'A', fox: '1', bar: '2' } },
      { type: 'event', headers: { event: 'A', foobar: '1', ba: '2' } },
      { type: 'event', headers: { event: 'A', foo: '', bar: 'x: y' } },
    ],
    errors: [AmiProtocolErrorCode.MALFORMED_LINE],
  },
  {
    name: 'long keys that differ from the predicted one in a single byte (any position) are read as written',
    input: Buffer.from(
      'Event: A\r\nChannel: 1\r\nABCDEFGH: 2\r\nABCDE: 3\r\n\r\n' +
        'Event: A\r\nChanmel: 1\r\nABCDEFGX: 2\r\nABCDX: 3\r\n\r\n' +
        'Event: A\r\nXhannel: 1\r\nABCDEFGH: 2\r\nXBCDE: 3\r\n\r\n' +
        'Event: A\r\nChannel: é\r\nABCDEFGH: 2\r\nABCDX: ü\r\n\r\n',
      'utf8',
    ),
    options: { expectBanner: false },
    messages: [
      { type: 'event', headers: { event: 'A', channel: '1', abcdefgh: '2', abcde: '3' } },
      { type: 'event', headers: { event: 'A', chanmel: '1', abcdefgx: '2', abcdx: '3' } },
      { type: 'event', headers: { event: 'A', xhannel: '1', abcdefgh: '2', xbcde: '3' } },
      { type: 'event', headers: { event: 'A', channel: 'é', abcdefgh: '2', abcdx: 'ü' } },
    ],
  },
  {
    name: 'first line holding a colon is a header, not a banner',
    input: 'Response: Goodbye\r\nMessage: Thanks for all the fish.\r\n\r\n',
    banner: undefined,
    messages: [{ type: 'response', headers: { response: 'Goodbye', message: 'Thanks for all the fish.' } }],
  },
  {
    name: 'keys that would clash with Object.prototype are plain headers',
    input: 'Event: X\r\n__proto__: p\r\nconstructor: c\r\ntoString: t\r\n\r\n',
    options: { expectBanner: false },
    messages: [
      { type: 'event', headers: { event: 'X', ['__proto__']: 'p', constructor: 'c', tostring: 't' } },
    ],
  },
  {
    name: 'UTF-8 caller names decode, even when a chunk splits a character',
    input: Buffer.from('Event: Newchannel\r\nCallerIDName: Иван Петров\r\n\r\n', 'utf8'),
    options: { expectBanner: false },
    messages: [{ type: 'event', headers: { event: 'Newchannel', calleridname: 'Иван Петров' } }],
  },
  {
    name: 'non-UTF-8 bytes become U+FFFD, never an exception',
    input: Buffer.concat([
      Buffer.from('Event: Newchannel\r\nCallerIDName: a'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('b\r\n\xe9: x\r\n\r\nEvent: Next\r\n\r\n', 'latin1'),
    ]),
    options: { expectBanner: false },
    messages: [
      {
        type: 'event',
        headers: { event: 'Newchannel', calleridname: 'a\ufffd\ufffd\ufffdb', '\ufffd': 'x' },
      },
      { type: 'event', headers: { event: 'Next' } },
    ],
  },
  {
    name: 'overlong line: reported once, its frame skipped, the next frame parses',
    input: 'Event: A\r\nData: ' + 'x'.repeat(40) + '\r\nMore: 1\r\n\r\nEvent: B\r\n\r\n',
    options: { expectBanner: false, maxLineBytes: 32 },
    messages: [{ type: 'event', headers: { event: 'B' } }],
    errors: [AmiProtocolErrorCode.LINE_TOO_LONG],
  },
  {
    name: 'a line of exactly maxLineBytes (CR LF not counted) is accepted',
    input: 'Event: A\r\nData: ' + 'x'.repeat(26) + '\r\n\r\n',
    options: { expectBanner: false, maxLineBytes: 32 },
    messages: [{ type: 'event', headers: { event: 'A', data: 'x'.repeat(26) } }],
  },
  {
    name: 'overlong first line (no banner): reported, skipped, parsing resumes',
    input: 'y'.repeat(50) + '\r\n\r\nResponse: Success\r\n\r\n',
    options: { maxLineBytes: 32 },
    banner: undefined,
    messages: [{ type: 'response', headers: { response: 'Success' } }],
    errors: [AmiProtocolErrorCode.LINE_TOO_LONG],
  },
  {
    name: 'overlong frame: reported once, skipped, the next frame parses',
    input: 'Event: Big\r\n' + 'Output: 0123456789\r\n'.repeat(10) + '\r\nEvent: Small\r\n\r\n',
    options: { expectBanner: false, maxMessageBytes: 100 },
    messages: [{ type: 'event', headers: { event: 'Small' } }],
    errors: [AmiProtocolErrorCode.MESSAGE_TOO_LONG],
  },
  {
    name: 'too many headers: reported once, skipped, the next frame parses',
    input: 'Event: Big\r\n' + 'V: 1\r\n'.repeat(5) + '\r\nEvent: Small\r\nV: 1\r\n\r\n',
    options: { expectBanner: false, maxHeadersPerMessage: 4 },
    messages: [{ type: 'event', headers: { event: 'Small', v: '1' } }],
    errors: [AmiProtocolErrorCode.TOO_MANY_HEADERS],
  },
  {
    name: 'lines without a key (garbage, ": x"): frame reported once and dropped, the next frame parses',
    input: 'Event: A\r\ngarbage line\r\nmore garbage\r\n: no key\r\n\r\nEvent: B\r\n\r\n',
    options: { expectBanner: false },
    messages: [{ type: 'event', headers: { event: 'B' } }],
    errors: [AmiProtocolErrorCode.MALFORMED_LINE],
  },
  {
    name: 'a frame already being dropped is not reported again (malformed, then overlong line, then too long)',
    input:
      'Event: A\r\nno colon\r\nData: ' +
      'x'.repeat(40) +
      '\r\n' +
      'V: 1\r\n'.repeat(30) +
      '\r\nEvent: B\r\n\r\n',
    options: { expectBanner: false, maxLineBytes: 32, maxMessageBytes: 100 },
    messages: [{ type: 'event', headers: { event: 'B' } }],
    errors: [AmiProtocolErrorCode.MALFORMED_LINE],
  },
  {
    name: 'garbage without any line end, then a frame end: one error, the buffer stays bounded',
    input: 'z'.repeat(300) + '\r\n\r\nEvent: After\r\n\r\n',
    options: { expectBanner: false, maxLineBytes: 64 },
    messages: [{ type: 'event', headers: { event: 'After' } }],
    errors: [AmiProtocolErrorCode.LINE_TOO_LONG],
  },
];

describe('AmiParser', () => {
  describe.each(cases)('$name', (c) => {
    const bytes = typeof c.input === 'string' ? Buffer.from(c.input, 'latin1') : c.input;
    const maxLine = c.options?.maxLineBytes ?? 8192;
    it.each(chunkings(bytes))('%s', (_how, chunks) => {
      const got = parse(chunks, c.options);
      expect(got.messages.map(plain)).toEqual(c.messages);
      expect(got.errors).toEqual(c.errors ?? []);
      if ('banner' in c) expect(got.banner).toBe(c.banner);
      expect(got.maxBuffered).toBeLessThanOrEqual(maxLine + 1);
    });
  });

  it('keeps the header helpers working on parsed messages', () => {
    const { messages } = parse([Buffer.from('Event: X\r\nOutput: a\r\nOutput: b\r\n\r\n')], {
      expectBanner: false,
    });
    expect(header(messages[0], 'EVENT')).toBe('X');
    expect(headerList(messages[0], 'Output')).toEqual(['a', 'b']);
    expect(headerList(messages[0], 'event')).toEqual(['X']);
  });

  it('reset() forgets a half-read frame and expects the banner again', () => {
    const messages: AmiMessage[] = [];
    const parser = new AmiParser((m) => messages.push(m));
    parser.push(Buffer.from('Asterisk Call Manager/11.0.0\r\nEvent: Half\r\nPartial: va'));
    expect(parser.banner).toBe('Asterisk Call Manager/11.0.0');
    expect(parser.bufferedBytes).toBe('Partial: va'.length);
    parser.reset();
    expect(parser.banner).toBeUndefined();
    expect(parser.bufferedBytes).toBe(0);
    parser.push(Buffer.from('Asterisk Call Manager/9.0.0\r\nResponse: Success\r\n\r\n'));
    expect(parser.banner).toBe('Asterisk Call Manager/9.0.0');
    expect(messages.map(plain)).toEqual([{ type: 'response', headers: { response: 'Success' } }]);
  });

  it('never buffers more than maxLineBytes + 1 bytes of an endless line, and reports it once', () => {
    const errors: string[] = [];
    const messages: AmiMessage[] = [];
    const parser = new AmiParser((m) => messages.push(m), {
      maxLineBytes: 1024,
      onError: (e) => errors.push(e.code),
    });
    const junk = Buffer.alloc(1000, 0x41);
    for (let i = 0; i < 1000; i++) {
      parser.push(junk);
      expect(parser.bufferedBytes).toBeLessThanOrEqual(1025);
    }
    parser.push(Buffer.from('\r\n\r\nEvent: Back\r\n\r\n'));
    expect(errors).toEqual([AmiProtocolErrorCode.LINE_TOO_LONG]);
    expect(messages.map(plain)).toEqual([{ type: 'event', headers: { event: 'Back' } }]);
  });

  it('reports an endless frame once even when its lines are short', () => {
    const errors: string[] = [];
    const parser = new AmiParser(() => undefined, {
      expectBanner: false,
      maxMessageBytes: 4096,
      onError: (e) => errors.push(e.code),
    });
    parser.push(Buffer.from('Event: Endless\r\n'));
    for (let i = 0; i < 1000; i++) parser.push(Buffer.from('Output: line\r\n'));
    expect(errors).toEqual([AmiProtocolErrorCode.MESSAGE_TOO_LONG]);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('keeps repeated keys as lists even after thousands of distinct keys filled its key caches', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `K${i}: ${i}`);
    const text = 'Event: Wide\r\n' + lines.join('\r\n') + '\r\nK4999: again\r\nk1: again\r\n\r\n';
    const { messages, errors } = parse([Buffer.from(text)], {
      expectBanner: false,
      maxMessageBytes: 1 << 20,
    });
    expect(errors).toEqual([]);
    const h = messages[0].headers;
    expect(Object.keys(h)).toHaveLength(5001);
    expect(h['k4999']).toEqual(['4999', 'again']);
    expect(h['k1']).toEqual(['1', 'again']);
    expect(h['k2']).toBe('2');
    // A second frame with the same keys is independent of the first.
    const twice = parse([Buffer.from(text + text)], { expectBanner: false, maxMessageBytes: 1 << 20 });
    expect(twice.messages.map(plain)).toEqual([plain(messages[0]), plain(messages[0])]);
  });

  it('rejects nonsensical limits', () => {
    expect(() => new AmiParser(() => undefined, { maxLineBytes: 0 })).toThrow(RangeError);
    expect(() => new AmiParser(() => undefined, { maxMessageBytes: 1.5 })).toThrow(RangeError);
  });
});
