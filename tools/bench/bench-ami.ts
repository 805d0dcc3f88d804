/**
 * AMI parser throughput: our AmiParser against asterisk-manager's parser, on the same bytes.
 *
 *   npm run bench:ami                      (builds, then runs dist/tools/bench/bench-ami.js)
 *   node dist/tools/bench/bench-ami.js --copies 10 --rounds 5
 *
 * The stream is busy-hour-24-calls.ami (a real Asterisk 22 busy hour) repeated --copies times
 * (the banner once, at the start), cut into 16 KiB and into 1460-byte (one TCP segment) chunks.
 * Both parsers get the same chunks in the same process, with no socket: ours through push(),
 * asterisk-manager through its own ManagerReader behind the StringDecoder its socket would use
 * (see asterisk-manager-reader.ts). The order alternates every round; each side's median round is
 * reported as messages (frames) per second: best and median wall time, and median CPU time
 * (process.cpuUsage, less disturbed than wall time when other processes share the cores).
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { AmiParser } from '../../src/protocol/ami/index.js';
import { AsteriskManagerParser } from './asterisk-manager-reader.js';

interface Side {
  name: string;
  /** Parse every chunk with a fresh parser; return the number of messages. */
  run(chunks: Buffer[]): number;
}

const ours: Side = {
  name: 'switchboard AmiParser',
  run(chunks) {
    let n = 0;
    const parser = new AmiParser(() => {
      n++;
    });
    for (const c of chunks) parser.push(c);
    return n;
  },
};

const theirs: Side = {
  name: 'asterisk-manager 0.2.0',
  run(chunks) {
    let n = 0;
    const parser = new AsteriskManagerParser(() => {
      n++;
    });
    for (const c of chunks) parser.push(c);
    return n;
  },
};

interface Sample {
  wallMs: number;
  cpuMs: number;
  messages: number;
}

function measure(side: Side, chunks: Buffer[]): Sample {
  (globalThis as { gc?: () => void }).gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const messages = side.run(chunks);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1e3, messages };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function split(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function findRecording(): string {
  // Works from tools/bench (ts) and from dist/tools/bench (compiled).
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'test', 'fixtures', 'asterisk-22', 'busy-hour-24-calls.ami');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('busy-hour-24-calls.ami not found above ' + import.meta.dirname);
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer`);
  return v;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function main(): void {
  const copies = option('copies', 10);
  const rounds = option('rounds', 5);
  const recording = readFileSync(findRecording());
  const bannerEnd = recording.indexOf('\r\n') + 2;
  const banner = recording.subarray(0, bannerEnd);
  const body = recording.subarray(bannerEnd);
  const stream = Buffer.concat([banner, ...Array<Buffer>(copies).fill(body)]);

  console.log(
    `AMI parser benchmark: busy-hour-24-calls.ami x ${copies} = ${(stream.length / 1e6).toFixed(2)} MB`,
  );
  console.log(
    `node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), ${rounds} rounds`,
  );

  let mismatch = false;
  for (const size of [16384, 1460]) {
    const chunks = split(stream, size);
    // Warm-up: let both reach optimised code before measuring.
    for (let i = 0; i < 2; i++) {
      ours.run(chunks);
      theirs.run(chunks);
    }
    const samples = new Map<Side, Sample[]>([
      [ours, []],
      [theirs, []],
    ]);
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [ours, theirs] : [theirs, ours];
      for (const side of order) samples.get(side)!.push(measure(side, chunks));
    }

    const messages = samples.get(ours)![0].messages;
    console.log(`\n${size}-byte chunks: ${fmt(chunks.length)} pushes and ${fmt(messages)} messages per pass`);
    console.log(
      `  ${''.padEnd(24)} ${'wall, best'.padStart(14)} ${'wall, median'.padStart(14)} ${'CPU, median'.padStart(14)}`,
    );
    const rates = new Map<Side, number[]>();
    for (const side of [ours, theirs]) {
      const s = samples.get(side)!;
      const perSecond = (ms: number) => messages / (ms / 1000);
      const r = [
        perSecond(Math.min(...s.map((x) => x.wallMs))),
        perSecond(median(s.map((x) => x.wallMs))),
        perSecond(median(s.map((x) => x.cpuMs))),
      ];
      rates.set(side, r);
      console.log(`  ${side.name.padEnd(24)} ${r.map((x) => `${fmt(x)}/s`.padStart(14)).join(' ')}`);
    }
    const a = rates.get(ours)!;
    const b = rates.get(theirs)!;
    console.log(
      `  ${'ratio'.padEnd(24)} ${a.map((x, i) => `${(x / b[i]).toFixed(1)}x`.padStart(14)).join(' ')}`,
    );
    const mbps = (stream.length / 1e6 / (median(samples.get(ours)!.map((x) => x.wallMs)) / 1000)).toFixed(1);
    console.log(`  (ours: ${mbps} MB/s at the median wall time)`);
    const counts = [...samples.values()].flat().map((x) => x.messages);
    const same = counts.every((c) => c === counts[0]);
    console.log(
      `  message count check: ${same ? `both ${fmt(counts[0])} per pass` : `MISMATCH ${counts.join(', ')}`}`,
    );
    mismatch ||= !same;
  }
  if (mismatch) process.exitCode = 1;
}

main();
