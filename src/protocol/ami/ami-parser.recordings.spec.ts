import {
  byteSplit,
  fixedSplit,
  loadRecordings,
  prng,
  randomSplit,
} from '../../../test/support/ami-recordings.js';
import type { AmiMessage } from './ami-message.js';
import { header, headerList } from './ami-message.js';
import { AmiParser } from './ami-parser.js';

interface Run {
  messages: AmiMessage[];
  errors: string[];
  banner: string | undefined;
  bufferedAtEnd: number;
}

function run(chunks: Buffer[]): Run {
  const messages: AmiMessage[] = [];
  const errors: string[] = [];
  const parser = new AmiParser((m) => messages.push(m), { onError: (e) => errors.push(e.code) });
  for (const c of chunks) parser.push(c);
  return { messages, errors, banner: parser.banner, bufferedAtEnd: parser.bufferedBytes };
}

/** Index and content of the first message that differs, for a readable failure. */
function firstDifference(a: AmiMessage[], b: AmiMessage[]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = JSON.stringify(a[i]);
    const y = JSON.stringify(b[i]);
    if (x !== y) return `message ${i}: ${x} vs ${y}`;
  }
  return undefined;
}

function count(bytes: Buffer, needle: string): number {
  let n = 0;
  for (let i = bytes.indexOf(needle); i !== -1; i = bytes.indexOf(needle, i + needle.length)) n++;
  return n;
}

// Frames by type, counted in the bytes with grep and by hand (see the README and the notes below).
const KNOWN: Record<string, { response: number; event: number }> = {
  'agi-routed-direct.ami': { response: 3, event: 127 },
  'busy-hour-24-calls.ami': { response: 26, event: 2856 },
  'click-to-call.ami': { response: 3, event: 54 },
  'inbound-queue-abandoned.ami': { response: 7, event: 165 },
  'inbound-queue-answered.ami': { response: 3, event: 165 },
  'login-failed.ami': { response: 1, event: 0 },
  'queue-admin.ami': { response: 17, event: 38 },
};

const recordings = loadRecordings();

describe('AmiParser on the Asterisk 22 recordings', () => {
  it('covers every recording in the fixtures', () => {
    expect(recordings.map(([name]) => name)).toEqual(Object.keys(KNOWN).sort());
  });

  describe.each(recordings)('%s', (name, bytes) => {
    const whole = run([bytes]);

    it('parses every frame, with the banner and no error', () => {
      expect(whole.errors).toEqual([]);
      expect(whole.banner).toBe('Asterisk Call Manager/11.0.0');
      expect(whole.bufferedAtEnd).toBe(0);
      // The banner has no blank line after it, every frame ends with one: frames = blank lines.
      expect(whole.messages).toHaveLength(count(bytes, '\r\n\r\n'));
      const byType = { response: 0, event: 0 };
      for (const m of whole.messages) byType[m.type as 'response' | 'event']++;
      expect(byType).toEqual(KNOWN[name]);
      // Every frame's first line decides its type; the bytes say how many start with "Event:".
      expect(byType.event).toBe(
        count(bytes, '\r\n\r\nEvent: ') + (bytes.indexOf('\r\nEvent: ') === 28 ? 1 : 0),
      );
      const last = whole.messages[whole.messages.length - 1];
      expect(header(last, 'Response')).toBe(name === 'login-failed.ami' ? 'Error' : 'Goodbye');
    });

    it('gives the same messages byte by byte', () => {
      const got = run(byteSplit(bytes));
      expect(got.messages).toHaveLength(whole.messages.length);
      expect(firstDifference(got.messages, whole.messages)).toBeUndefined();
      expect(got.errors).toEqual([]);
      expect(got.banner).toBe(whole.banner);
    });

    it.each([1, 7, 42, 1337, 20261122])(
      'gives the same messages split at random offsets (seed %i)',
      (seed) => {
        const random = prng(seed);
        // Small pieces cut lines and CR LF pairs; large ones hold many frames.
        const maxPiece = [16, 200, 1460, 65536][seed % 4];
        const got = run(randomSplit(bytes, random, maxPiece));
        expect(got.messages).toHaveLength(whole.messages.length);
        expect(firstDifference(got.messages, whole.messages)).toBeUndefined();
        expect(got.errors).toEqual([]);
      },
    );

    it('gives the same messages in TCP-sized (1460) and 16 KiB reads', () => {
      for (const size of [1460, 16384]) {
        const got = run(fixedSplit(bytes, size));
        expect(firstDifference(got.messages, whole.messages)).toBeUndefined();
      }
    });
  });

  describe('busy-hour-24-calls.ami', () => {
    const bytes = recordings.find(([n]) => n === 'busy-hour-24-calls.ami')![1];
    const { messages } = run([bytes]);
    const events = (name: string) =>
      messages.filter((m) => m.type === 'event' && header(m, 'Event') === name);

    it('holds 2,856 events, as the README says, plus 26 responses: 2,882 frames in 1.17 MB', () => {
      // The README counts events only. The bytes also hold 26 responses: the Login response,
      // 24 "Originate successfully queued" (ActionID load-0 ... load-23) and the Goodbye. The 24
      // OriginateResponse frames carry a "Response: Success" header too, but they start with
      // "Event:", so they are events.
      expect(bytes.length).toBe(1_167_791);
      expect(messages).toHaveLength(2882);
      expect(messages.filter((m) => m.type === 'event')).toHaveLength(2856);
      const responses = messages.filter((m) => m.type === 'response');
      expect(responses.map((m) => header(m, 'ActionID'))).toEqual([
        expect.any(String),
        ...Array.from({ length: 24 }, (_, i) => `load-${i}`),
        'bye',
      ]);
      expect(events('OriginateResponse')).toHaveLength(24);
    });

    it('agrees with the README outcome table: 24 calls, 10 answered, 14 abandoned', () => {
      expect(events('QueueCallerJoin')).toHaveLength(24);
      const answered = events('AgentComplete');
      expect(answered).toHaveLength(10);
      expect(answered.map((m) => header(m, 'MemberName')).sort()).toEqual([
        ...Array(6).fill('Alice Agent'),
        ...Array(4).fill('Carol Agent'),
      ]);
      expect(events('QueueCallerAbandon')).toHaveLength(14);
      const first = answered.find((m) => header(m, 'CallerIDNum') === '+79160000000')!;
      expect([header(first, 'Queue'), header(first, 'HoldTime'), header(first, 'TalkTime')]).toEqual([
        'sales',
        '1',
        '4',
      ]);
    });

    it('keeps VarSet values holding "/" and "=" whole (about half of all frames are VarSet and Newexten)', () => {
      const varsets = events('VarSet');
      expect(varsets.length + events('Newexten').length).toBeGreaterThan(messages.length * 0.4);
      const file = varsets.find((m) => header(m, 'Variable') === 'MIXMONITOR_FILENAME');
      expect(file && header(file, 'Value')).toMatch(/^\/var\/spool\/asterisk\/monitor\/.+\.wav$/);
    });
  });

  describe('queue-admin.ami', () => {
    const bytes = recordings.find(([n]) => n === 'queue-admin.ami')![1];
    const { messages } = run([bytes]);
    const response = (id: string) =>
      messages.find((m) => m.type === 'response' && header(m, 'ActionID') === id)!;

    it('keeps the repeated Output headers of the Command response, in order', () => {
      const cmd = response('cmd-1');
      expect(header(cmd, 'Message')).toBe('Command output follows');
      expect(headerList(cmd, 'Output')).toEqual([
        'System uptime: 2 minutes, 55 seconds',
        'Last reload: 2 minutes, 55 seconds',
      ]);
    });

    it('reads Error responses and event lists', () => {
      const errors = messages.filter((m) => header(m, 'Response') === 'Error');
      expect(errors.length).toBeGreaterThanOrEqual(3);
      for (const e of errors) expect(header(e, 'Message')).toEqual(expect.any(String));
      const completes = messages.filter((m) => header(m, 'EventList') === 'Complete');
      expect(completes.length).toBeGreaterThan(0);
      for (const c of completes) expect(header(c, 'ListItems')).toMatch(/^\d+$/);
    });
  });
});
