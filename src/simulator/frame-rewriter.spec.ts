import {
  compileText,
  renderText,
  repeatPlan,
  rewriteFrame,
  saltUuid,
  type RewritePlan,
} from './frame-rewriter.js';

const ids = {
  uniqueids: new Set(['1795380887.0', '1795380887.1', '1795380888.2']),
  maxSeq: 5,
  suffixes: new Set(['00000000', '00000001']),
  maxSuffix: 2,
  minEpoch: 1795380887,
  maxEpoch: 1795380888,
};

const frame = [
  'Event: Cdr',
  'Source: +79161234567',
  'Destination: 74951234567',
  'CallerID: "Olga Smirnova" <89031112233>',
  'Channel: Local/74951234567@incoming-00000000;2',
  'DestinationChannel: Local/1001@phones-00000001;1',
  'StartTime: 2026-11-22 20:54:47',
  'UniqueID: 1795380887.1',
  'Linkedid: 1795380887.0',
  'Value: /var/spool/asterisk/monitor/1795380887.1.wav',
  'LoginTime: 1795380868',
  'Timestamp: 1795381041.232185',
  'EventTV: 2026-11-22T20:57:21.031+0000',
  'BridgeUniqueid: 87d7692c-3030-47a6-8613-f0f6871a9ca2',
  'Duration: 1234567890',
  'Extension: 1002',
  '',
  '',
].join('\r\n');

describe('repeatPlan + rewriteFrame', () => {
  it('moves every id of pass 1 and leaves phone numbers and other digits alone', () => {
    const out = rewriteFrame(frame, repeatPlan(ids, 1, 10)).split('\r\n');
    expect(out).toEqual([
      'Event: Cdr',
      'Source: +79161234567',
      'Destination: 74951234567',
      'CallerID: "Olga Smirnova" <89031112233>',
      'Channel: Local/74951234567@incoming-00000003;2',
      'DestinationChannel: Local/1001@phones-00000004;1',
      'StartTime: 2026-11-22 20:54:57',
      'UniqueID: 1795380897.7',
      'Linkedid: 1795380897.6',
      'Value: /var/spool/asterisk/monitor/1795380897.7.wav',
      'LoginTime: 1795380878',
      'Timestamp: 1795381051.232185',
      'EventTV: 2026-11-22T20:57:31.031+0000',
      `BridgeUniqueid: ${saltUuid('87d7692c-3030-47a6-8613-f0f6871a9ca2', 1)}`,
      'Duration: 1234567890',
      'Extension: 1002',
      '',
      '',
    ]);
  });

  it('pass 0 is the recording itself', () => {
    expect(rewriteFrame(frame, repeatPlan(ids, 0, 10))).toBe(frame);
  });

  it('passes 1 and 2 give different ids', () => {
    const p1 = rewriteFrame(frame, repeatPlan(ids, 1, 10));
    const p2 = rewriteFrame(frame, repeatPlan(ids, 2, 10));
    expect(p2).toContain('Linkedid: 1795380907.12');
    expect(p2).toContain('incoming-00000006;2');
    expect(p1).not.toBe(p2);
  });

  it('rewrites a date that crosses midnight and a month end', () => {
    const plan: RewritePlan = {
      uniqueids: new Map(),
      suffixes: new Map(),
      shiftSec: 3600,
      epochMin: 1795000000,
      epochMax: 1796000000,
    };
    expect(rewriteFrame('EndTime: 2026-11-30 23:30:00\r\n', plan)).toBe('EndTime: 2026-12-01 00:30:00\r\n');
  });

  it('compiles once and renders the same as a one-off rewrite', () => {
    const compiled = compileText(frame);
    // 2 suffixes, 2 dates, 3 uniqueids, 3 bare epochs (LoginTime, Timestamp, Duration), 1 UUID
    expect(compiled.tokens.length).toBe(11);
    for (const pass of [0, 1, 5])
      expect(renderText(compiled, repeatPlan(ids, pass, 10))).toBe(
        rewriteFrame(frame, repeatPlan(ids, pass, 10)),
      );
  });
});

describe('saltUuid', () => {
  it('is deterministic, distinct per salt, and still a UUID', () => {
    const u = '87d7692c-3030-47a6-8613-f0f6871a9ca2';
    expect(saltUuid(u, 1)).toBe(saltUuid(u, 1));
    expect(new Set([u, saltUuid(u, 1), saltUuid(u, 2), saltUuid(u, 3)]).size).toBe(4);
    expect(saltUuid(u, 7)).toMatch(/^87d7692c-3030-47a6-8613-[0-9a-f]{12}$/);
  });
});
