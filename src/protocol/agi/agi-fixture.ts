import { readFileSync } from 'node:fs';

/**
 * Loader for the FastAGI recordings (`*.agi.jsonl` in test/fixtures/asterisk-22/): one JSON
 * record per TCP read or write, `dir` `asterisk` (what Asterisk sent) or `server` (what the AGI
 * server sent back), `data` the bytes as a UTF-8 string. Used by the parser specs and by the
 * FastAGI client that replays Asterisk's side.
 */
export type AgiFixtureDirection = 'asterisk' | 'server';

export interface AgiFixtureRecord {
  /** Connection number within the recording. */
  readonly conn: number;
  /** Milliseconds since the epoch. */
  readonly t: number;
  readonly dir: AgiFixtureDirection;
  readonly data: string;
}

export function parseAgiFixture(jsonl: string, source = 'agi fixture'): AgiFixtureRecord[] {
  const records: AgiFixtureRecord[] = [];
  jsonl.split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    const r = JSON.parse(text) as Partial<AgiFixtureRecord>;
    if (
      typeof r.conn !== 'number' ||
      typeof r.t !== 'number' ||
      (r.dir !== 'asterisk' && r.dir !== 'server') ||
      typeof r.data !== 'string'
    ) {
      throw new Error(`${source}:${i + 1}: not a {conn, t, dir, data} record`);
    }
    records.push({ conn: r.conn, t: r.t, dir: r.dir, data: r.data });
  });
  return records;
}

export function loadAgiFixture(path: string): AgiFixtureRecord[] {
  return parseAgiFixture(readFileSync(path, 'utf8'), path);
}

/** Each record's bytes, as they crossed the wire (one Buffer per TCP read or write). */
export function fixtureChunks(
  records: readonly AgiFixtureRecord[],
  dir: AgiFixtureDirection,
  conn = 0,
): Buffer[] {
  return records.filter((r) => r.dir === dir && r.conn === conn).map((r) => Buffer.from(r.data, 'utf8'));
}

/** Everything one side sent on one connection, as one Buffer. */
export function fixtureBytes(
  records: readonly AgiFixtureRecord[],
  dir: AgiFixtureDirection,
  conn = 0,
): Buffer {
  return Buffer.concat(fixtureChunks(records, dir, conn));
}
