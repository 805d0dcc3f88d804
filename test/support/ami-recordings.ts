import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const RECORDINGS_DIR = join(import.meta.dirname, '..', 'fixtures', 'asterisk-22');

/** Every `*.ami` recording, name -> bytes. */
export function loadRecordings(): Array<[string, Buffer]> {
  return readdirSync(RECORDINGS_DIR)
    .filter((f) => f.endsWith('.ami'))
    .sort()
    .map((f) => [f, readFileSync(join(RECORDINGS_DIR, f))]);
}

/** Small seeded PRNG (mulberry32): the same seed gives the same splits on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cut bytes into pieces of 1..maxPiece bytes at random offsets. */
export function randomSplit(bytes: Buffer, random: () => number, maxPiece: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = 1 + Math.floor(random() * maxPiece);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Fixed-size pieces (the last one shorter). */
export function fixedSplit(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** Every byte as its own chunk. */
export function byteSplit(bytes: Buffer): Buffer[] {
  const out: Buffer[] = new Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes.subarray(i, i + 1);
  return out;
}
