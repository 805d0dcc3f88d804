import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { header, type AmiMessage } from '../protocol/ami/ami-message.js';
import { AmiParser } from '../protocol/ami/ami-parser.js';
import { parseRecording } from './ami-recording.js';
import { buildTemplate, IdAllocator } from './call-template.js';
import { inboundCall, originateCall, seededRandom, type LiveCall } from './live-calls.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'asterisk-22');
const template = (name: string) => buildTemplate(parseRecording(readFileSync(join(FIXTURES, name)), name));

/** Every frame of a generated call, rendered, with what the parser reads from it. */
function render(call: LiveCall): { text: string; msg: AmiMessage }[] {
  const out: { text: string; msg: AmiMessage }[] = [];
  let last: AmiMessage | undefined;
  const parser = new AmiParser((m) => (last = m), { expectBanner: false });
  for (const f of call.frames) {
    const text = call.render(f);
    if (text === undefined) continue;
    parser.push(Buffer.from(text));
    out.push({ text, msg: last! });
  }
  return out;
}

describe('buildTemplate', () => {
  it('learns queue, DID, caller and agents (the one who answered first) from the answered call', () => {
    const t = template('inbound-queue-answered.ami');
    expect([t.queue, t.did, t.callerNum, t.callerName]).toEqual([
      'support',
      '74951234567',
      '+79161234567',
      'Ivan Petrov',
    ]);
    expect(t.members).toEqual([
      { ext: '1001', name: 'Alice Agent' },
      { ext: '1002', name: 'Bob Agent' },
    ]);
    expect(t.frames.some((f) => f.eventName === 'OriginateResponse')).toBe(false);
  });

  it('learns phone, number and ActionID from the click-to-call', () => {
    const t = template('click-to-call.ami');
    expect([t.phoneExt, t.dialled, t.actionId, t.callerName]).toEqual([
      '1001',
      '84951112233',
      'c2c-1',
      'Alice Agent',
    ]);
  });
});

describe('inboundCall', () => {
  it('turns the answered support call into a sales call answered by Carol, with fresh ids', () => {
    const t = template('inbound-queue-answered.ami');
    const ids = new IdAllocator();
    const call = inboundCall(
      t,
      {
        queue: 'sales',
        did: '74957770000',
        callerNum: '+79160000042',
        callerName: 'Anna Kuznetsova',
        agents: [{ ext: '1003', name: 'Carol Agent' }],
      },
      ids,
      Date.UTC(2026, 10, 23, 10, 0, 0),
      1,
    );
    const frames = render(call);
    const all = frames.map((f) => f.text).join('');
    // Bob had no counterpart in sales: every frame about him is gone
    expect(all).not.toMatch(/1002|Bob Agent/);
    expect(all).not.toMatch(/Alice|1001|support|Ivan Petrov|\+79161234567|74951234567|1795380887/);
    const connect = frames.find((f) => header(f.msg, 'event') === 'AgentConnect')!.msg;
    expect([header(connect, 'queue'), header(connect, 'membername'), header(connect, 'interface')]).toEqual([
      'sales',
      'Carol Agent',
      'Local/1003@phones/n',
    ]);
    const join = frames.find((f) => header(f.msg, 'event') === 'QueueCallerJoin')!.msg;
    expect([header(join, 'calleridnum'), header(join, 'exten'), header(join, 'channel')]).toEqual([
      '+79160000042',
      '74957770000',
      'Local/74957770000@incoming-00000000;2',
    ]);
    const start = Date.UTC(2026, 10, 23, 10, 0, 0) / 1000;
    expect(header(join, 'linkedid')).toBe(`${start}.0`);
    const cdr = frames.filter((f) => header(f.msg, 'event') === 'Cdr').map((f) => header(f.msg, 'starttime'));
    expect(cdr.every((d) => d!.startsWith('2026-11-23 10:00:0'))).toBe(true);
    // every Newchannel has a Hangup: the call leaves no channel behind
    const up = new Set<string>();
    for (const { msg } of frames) {
      if (header(msg, 'event') === 'Newchannel') up.add(header(msg, 'channel')!);
      if (header(msg, 'event') === 'Hangup') up.delete(header(msg, 'channel')!);
    }
    expect(up.size).toBe(0);
  });

  it('gives two calls from the same template distinct ids, channel names and bridges', () => {
    const t = template('inbound-queue-answered.ami');
    const ids = new IdAllocator();
    const target = {
      queue: 'support',
      callerNum: '+79160000001',
      callerName: 'X',
      agents: [
        { ext: '1001', name: 'Alice Agent' },
        { ext: '1002', name: 'Bob Agent' },
      ],
    };
    const a = render(inboundCall(t, target, ids, 1_000_000, 1));
    const b = render(inboundCall(t, target, ids, 1_000_000, 1));
    const idsOf = (frames: { msg: AmiMessage }[], key: string) =>
      new Set(frames.map((f) => header(f.msg, key)).filter((v) => v !== undefined));
    for (const key of ['uniqueid', 'channel', 'bridgeuniqueid']) {
      const inA = idsOf(a, key);
      expect([...idsOf(b, key)].filter((v) => inA.has(v))).toEqual([]);
    }
  });
});

describe('originateCall', () => {
  it("puts the client's phone, number, ActionID and variables into the recorded click-to-call", () => {
    const t = template('click-to-call.ami');
    const frames = render(
      originateCall(
        t,
        {
          ext: '1002',
          callerName: 'Bob Agent',
          dialled: '84997654321',
          actionId: 'crm-77',
          variables: [
            ['CRM_COMM_EVENT', 'ce-99'],
            ['X', '1'],
          ],
        },
        new IdAllocator(),
        Date.now(),
        1,
      ),
    );
    const orig = frames.find((f) => header(f.msg, 'event') === 'OriginateResponse')!.msg;
    expect([
      header(orig, 'actionid'),
      header(orig, 'channel'),
      header(orig, 'exten'),
      header(orig, 'calleridname'),
    ]).toEqual(['crm-77', 'Local/1002@phones-00000000;1', '84997654321', 'Bob Agent']);
    const vars = frames
      .filter((f) => header(f.msg, 'event') === 'VarSet')
      .map((f) => `${header(f.msg, 'variable')}=${header(f.msg, 'value')}`);
    expect(vars.filter((v) => v === 'CRM_COMM_EVENT=ce-99' || v === 'X=1')).toHaveLength(4);
    expect(vars.some((v) => v.startsWith('RING=') || v.startsWith('TALK='))).toBe(false);
  });
});

describe('seededRandom', () => {
  it('repeats with the same seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(1000);
  });
});
