import { loadRecordings, prng, randomSplit } from '../../../test/support/ami-recordings.js';
import type { AmiMessage } from './ami-message.js';
import { AmiParser, type AmiParserOptions } from './ami-parser.js';
import { AmiProtocolErrorCode } from './ami-protocol-error.js';

interface Outcome {
  messages: AmiMessage[];
  errors: AmiProtocolErrorCode[];
  maxBuffered: number;
}

function feed(chunks: Buffer[], options: AmiParserOptions): Outcome {
  const out: Outcome = { messages: [], errors: [], maxBuffered: 0 };
  const parser = new AmiParser((m) => out.messages.push(m), {
    ...options,
    onError: (e) => out.errors.push(e.code),
  });
  for (const c of chunks) {
    parser.push(c);
    out.maxBuffered = Math.max(out.maxBuffered, parser.bufferedBytes);
  }
  return out;
}

const json = (m: AmiMessage) => JSON.stringify(m);

/** Valid frames (with their blank line) from a real recording, and what each parses to alone. */
const answered = loadRecordings().find(([n]) => n === 'inbound-queue-answered.ami')![1];
const frameTexts = answered
  .toString('latin1')
  .slice(answered.indexOf('\r\n') + 2)
  .split(/(?<=\r\n\r\n)/);
const frames = frameTexts.map((t) => Buffer.from(t, 'latin1'));
const expected = frames.map((f) => json(feed([f], { expectBanner: false }).messages[0]));

/** Random bytes drawn mostly from what AMI framing reacts to. */
function noise(random: () => number, length: number, alphabet: number[]): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    b[i] = random() < 0.6 ? alphabet[Math.floor(random() * alphabet.length)] : Math.floor(random() * 256);
  }
  return b;
}
const FRAMING = [0x0d, 0x0a, 0x0a, 0x3a, 0x20, 0x3d, 0x41, 0x61, 0x7a];
const FRAMING_NO_COLON = FRAMING.filter((c) => c !== 0x3a);
const withoutColon = (b: Buffer) => Buffer.from(b.map((c) => (c === 0x3a ? 0x3b : c)));

const SEEDS = [1, 2, 3, 5, 8, 13, 21, 34];

describe('AmiParser under hostile input', () => {
  it('recording frames are what this spec thinks they are', () => {
    expect(frames.length).toBe(168);
    expect(expected.every((e) => e !== undefined)).toBe(true);
  });

  it.each(SEEDS)(
    'random bytes (seed %i): no exception, bounds hold, the next valid frame still parses',
    (seed) => {
      const random = prng(seed);
      const options = { maxLineBytes: 512, maxMessageBytes: 4096, maxHeadersPerMessage: 32 };
      const bytes = noise(random, 200_000, FRAMING);
      const chunks = [...randomSplit(bytes, random, 3000), Buffer.from('\r\n\r\n'), frames[5]];
      const got = feed(chunks, options);
      expect(got.maxBuffered).toBeLessThanOrEqual(options.maxLineBytes + 1);
      for (const m of got.messages) {
        const values = Object.entries(m.headers).flatMap(([k, v]) =>
          (Array.isArray(v) ? v : [v]).map((x) => [k, x]),
        );
        expect(values.length).toBeLessThanOrEqual(options.maxHeadersPerMessage);
        // Characters never outnumber the bytes they were decoded from.
        const chars = values.reduce((n, [k, v]) => n + k.length + 1 + v.length + 1, 0);
        expect(chars).toBeLessThanOrEqual(options.maxMessageBytes);
      }
      expect(got.errors.length).toBeGreaterThan(0);
      expect(json(got.messages[got.messages.length - 1])).toBe(expected[5]);
    },
  );

  it('an endless stream without any line end is reported once and never buffered past the bound', () => {
    const random = prng(99);
    const parser = new AmiParser(() => undefined, {
      maxLineBytes: 8192,
      onError: (e) => errors.push(e.code),
    });
    const errors: string[] = [];
    const junk = withoutLf(noise(random, 1 << 16, FRAMING));
    let maxBuffered = 0;
    for (let i = 0; i < 16_000; i++) {
      // 1000-byte reads, 16 MB in all
      const at = (i * 1000) % (junk.length - 1000);
      parser.push(junk.subarray(at, at + 1000));
      maxBuffered = Math.max(maxBuffered, parser.bufferedBytes);
    }
    expect(maxBuffered).toBeGreaterThan(7000);
    expect(maxBuffered).toBeLessThanOrEqual(8193);
    expect(errors).toEqual([AmiProtocolErrorCode.LINE_TOO_LONG]);
  });

  it.each(SEEDS)('valid frames mixed with garbage frames (seed %i) come out exactly, in order', (seed) => {
    const random = prng(seed);
    const parts: Buffer[] = [];
    let garbageBlocks = 0;
    for (const f of frames) {
      if (random() < 0.3) {
        // Garbage without ':' can never pass for a header: every such frame must be dropped.
        parts.push(
          withoutColon(noise(random, 1 + Math.floor(random() * 600), FRAMING_NO_COLON)),
          Buffer.from('\r\n\r\n'),
        );
        garbageBlocks++;
      }
      parts.push(f);
    }
    const got = feed(randomSplit(Buffer.concat(parts), random, 900), { expectBanner: false });
    expect(garbageBlocks).toBeGreaterThan(20);
    expect(got.messages.map(json)).toEqual(expected);
    expect(got.errors.length).toBeGreaterThan(0);
    expect(new Set(got.errors)).toEqual(new Set([AmiProtocolErrorCode.MALFORMED_LINE]));
  });

  it.each(SEEDS)('truncated frames (seed %i) do not take their neighbours with them', (seed) => {
    const random = prng(seed);
    const parts: Buffer[] = [];
    const kept: string[] = [];
    frames.forEach((f, i) => {
      if (random() < 0.25) {
        // Cut anywhere (mid-key, mid-value, mid CR LF), then the connection's next frame end.
        parts.push(f.subarray(0, Math.floor(random() * (f.length - 4))), Buffer.from('\r\n\r\n'));
      } else {
        parts.push(f);
        kept.push(expected[i]);
      }
    });
    const got = feed(randomSplit(Buffer.concat(parts), random, 1460), { expectBanner: false });
    // Every intact frame comes out, in order, among whatever the cut ones turned into.
    const out = got.messages.map(json);
    let j = 0;
    for (const m of out) if (j < kept.length && m === kept[j]) j++;
    expect(j).toBe(kept.length);
    expect(out.length).toBeLessThanOrEqual(frames.length);
  });

  it.each(SEEDS)('very long lines and frames (seed %i) are skipped alone, within the bounds', (seed) => {
    const random = prng(seed);
    const parts: Buffer[] = [];
    const kept: string[] = [];
    let oversized = 0;
    frames.forEach((f, i) => {
      const r = random();
      if (r < 0.05) {
        parts.push(
          Buffer.from(`Event: Long\r\nData: ${'x'.repeat(20_000 + Math.floor(random() * 100_000))}\r\n\r\n`),
        );
        oversized++;
      } else if (r < 0.08) {
        parts.push(
          Buffer.from(`Response: Success\r\n${'Output: some command output line\r\n'.repeat(9000)}\r\n`),
        );
        oversized++;
      }
      parts.push(f);
      kept.push(expected[i]);
    });
    const got = feed(randomSplit(Buffer.concat(parts), random, 65536), {});
    expect(oversized).toBeGreaterThan(0);
    expect(got.messages.map(json)).toEqual(kept);
    expect(got.errors).toHaveLength(oversized);
    expect(got.maxBuffered).toBeLessThanOrEqual(8193);
  });
});

function withoutLf(b: Buffer): Buffer {
  return Buffer.from(b.map((c) => (c === 0x0a ? 0x41 : c)));
}
