import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { header, headerList, type AmiMessage } from '../../../protocol/ami/ami-message.js';
import { AmiParser } from '../../../protocol/ami/ami-parser.js';
import { AmiActionRegistry, type AmiActionResult } from './ami-action-registry.js';
import { AmiError, AmiErrorCode } from './ami-client.exception.js';

const FIXTURES = join(import.meta.dirname, '../../../../test/fixtures/asterisk-22');
const queueAdmin = readFileSync(join(FIXTURES, 'queue-admin.ami'));
const clickToCall = readFileSync(join(FIXTURES, 'click-to-call.ami'));

type Outcome = { ok: true; result: AmiActionResult } | { ok: false; err: AmiError };

/** Registers the given ActionIDs, feeds the recording through the real parser, returns what each action got. */
function run(
  bytes: Buffer,
  actions: Record<string, string>,
  { chunk = bytes.length, registry = new AmiActionRegistry('pbx-test') } = {},
): { outcomes: Map<string, Outcome>; passedThrough: AmiMessage[]; registry: AmiActionRegistry } {
  const outcomes = new Map<string, Outcome>();
  for (const [id, action] of Object.entries(actions)) {
    registry.add(
      id,
      action,
      (result) => outcomes.set(id, { ok: true, result }),
      (err) => outcomes.set(id, { ok: false, err }),
    );
  }
  const passedThrough: AmiMessage[] = [];
  const parser = new AmiParser((msg) => {
    if (!registry.dispatch(msg)) passedThrough.push(msg);
  });
  for (let i = 0; i < bytes.length; i += chunk) parser.push(bytes.subarray(i, i + chunk));
  return { outcomes, passedThrough, registry };
}

const QUEUE_ADMIN_ACTIONS = {
  'login-1': 'Login',
  'ping-1': 'Ping',
  'qa-1': 'QueueAdd',
  'qp-1': 'QueuePause',
  'qs-1': 'QueueStatus',
  'qsum-1': 'QueueSummary',
  'esl-1': 'ExtensionStateList',
  'dsl-1': 'DeviceStateList',
  'csc-1': 'CoreShowChannels',
  'cmd-1': 'Command',
  'qp-2': 'QueuePause',
  'qr-1': 'QueueRemove',
  'qr-2': 'QueueRemove',
  'orig-bad': 'Originate',
  'bad-1': 'NoSuchAction',
  'f-1': 'Filter',
  bye: 'Logoff',
};

function ok(outcomes: Map<string, Outcome>, id: string): AmiActionResult {
  const o = outcomes.get(id);
  if (!o?.ok) throw new Error(`${id}: expected success, got ${o ? o.err.message : 'nothing'}`);
  return o.result;
}

function failed(outcomes: Map<string, Outcome>, id: string): AmiError {
  const o = outcomes.get(id);
  if (!o || o.ok) throw new Error(`${id}: expected a failure`);
  return o.err;
}

describe('AmiActionRegistry fed with queue-admin.ami', () => {
  describe.each([
    ['one chunk', queueAdmin.length],
    ['byte by byte', 1],
    ['7-byte chunks', 7],
  ])('%s', (_label, chunk) => {
    const { outcomes, passedThrough, registry } = run(queueAdmin, QUEUE_ADMIN_ACTIONS, { chunk });

    it('settles every action and leaves nothing pending', () => {
      expect(outcomes.size).toBe(Object.keys(QUEUE_ADMIN_ACTIONS).length);
      expect(registry.size).toBe(0);
    });

    it('collects the QueueStatus list: 2 queues, 4 members, closed by QueueStatusComplete', () => {
      const qs = ok(outcomes, 'qs-1');
      expect(qs.actionId).toBe('qs-1');
      expect(header(qs.response, 'Message')).toBe('Queue status will follow');
      expect(qs.events.map((e) => header(e, 'Event'))).toEqual([
        'QueueParams',
        'QueueMember',
        'QueueMember',
        'QueueMember',
        'QueueParams',
        'QueueMember',
      ]);
      expect(
        qs.events.filter((e) => header(e, 'Event') === 'QueueMember').map((e) => header(e, 'Name')),
      ).toEqual(['Dmitry Agent', 'Alice Agent', 'Bob Agent', 'Carol Agent']);
      expect(header(qs.complete!, 'Event')).toBe('QueueStatusComplete');
      expect(header(qs.complete!, 'ListItems')).toBe(String(qs.events.length));
    });

    it('collects the other lists, empty ones included', () => {
      expect(ok(outcomes, 'qsum-1').events).toHaveLength(2);
      expect(ok(outcomes, 'dsl-1').events).toHaveLength(11);
      expect(header(ok(outcomes, 'dsl-1').complete!, 'ListItems')).toBe('11');
      const esl = ok(outcomes, 'esl-1');
      expect(esl.events).toEqual([]);
      expect(header(esl.complete!, 'Event')).toBe('ExtensionStateListComplete');
      expect(ok(outcomes, 'csc-1').events).toEqual([]);
    });

    it('resolves plain responses with no events; Command output arrives as Output lines', () => {
      expect(header(ok(outcomes, 'ping-1').response, 'Ping')).toBe('Pong');
      expect(ok(outcomes, 'qa-1').events).toEqual([]);
      expect(headerList(ok(outcomes, 'cmd-1').response, 'Output')).toEqual([
        'System uptime: 2 minutes, 55 seconds',
        'Last reload: 2 minutes, 55 seconds',
      ]);
      expect(header(ok(outcomes, 'bye').response, 'Response')).toBe('Goodbye');
      expect(header(ok(outcomes, 'f-1').response, 'Message')).toBe('Success');
    });

    it("rejects Response: Error with ACTION_FAILED carrying Asterisk's Message", () => {
      const cases: Array<[string, string, string]> = [
        ['qr-2', 'QueueRemove', 'Unable to remove interface: Not there'],
        ['orig-bad', 'Originate', 'Extension does not exist.'],
        [
          'bad-1',
          'NoSuchAction',
          'Invalid/unknown command: NoSuchAction. Use Action: ListCommands to show available commands.',
        ],
      ];
      for (const [id, action, message] of cases) {
        const err = failed(outcomes, id);
        expect(err).toBeInstanceOf(AmiError);
        expect(err.code).toBe(AmiErrorCode.ACTION_FAILED);
        expect(err.amiMessage).toBe(message);
        expect(err.action).toBe(action);
        expect(err.actionId).toBe(id);
        expect(err.pbx).toBe('pbx-test');
        expect(err.message).toContain('[pbx-test]');
      }
    });

    it('passes through only the events that belong to no list (14 in the recording)', () => {
      expect(passedThrough.every((m) => m.type === 'event')).toBe(true);
      expect(passedThrough.filter((m) => header(m, 'ActionID') !== undefined)).toEqual([]);
      expect(passedThrough).toHaveLength(14);
      expect(passedThrough.map((m) => header(m, 'Event'))).toContain('QueueMemberAdded');
    });
  });

  it('refuses responses nobody asked for (the client drops them) and leaves list items alone', () => {
    const { passedThrough, outcomes } = run(queueAdmin, {});
    expect(outcomes.size).toBe(0);
    expect(passedThrough.filter((m) => m.type === 'response')).toHaveLength(17);
    // 14 plain events + the 24 list frames (items and Completes) of the 5 lists
    expect(passedThrough.filter((m) => m.type === 'event')).toHaveLength(14 + 24);
  });
});

describe('AmiActionRegistry edge cases', () => {
  it('after a timeout, swallows the late list of that action but nothing else', () => {
    const registry = new AmiActionRegistry('pbx-test');
    let rejected: AmiError | undefined;
    registry.add(
      'qs-1',
      'QueueStatus',
      () => undefined,
      (err) => (rejected = err),
    );
    registry.expire('qs-1', new AmiError(AmiErrorCode.TIMEOUT, 'late', { pbx: 'pbx-test' }));
    expect(rejected?.code).toBe(AmiErrorCode.TIMEOUT);
    expect(registry.size).toBe(0);

    const { passedThrough } = run(queueAdmin, {}, { registry });
    // the 7 frames of qs-1 (6 items + Complete) are swallowed; dsl/qsum/esl/csc items still pass
    const ids = passedThrough.filter((m) => m.type === 'event').map((m) => header(m, 'ActionID'));
    expect(ids).not.toContain('qs-1');
    expect(ids.filter((id) => id === 'dsl-1')).toHaveLength(12);
  });

  it('an Originate accepted with Success resolves; its OriginateResponse passes as an ordinary event', () => {
    const { outcomes, passedThrough } = run(clickToCall, { 'c2c-1': 'Originate' });
    expect(header(ok(outcomes, 'c2c-1').response, 'Response')).toBe('Success');
    const originateResponse = passedThrough.filter((m) => header(m, 'Event') === 'OriginateResponse');
    expect(originateResponse).toHaveLength(1);
    expect(header(originateResponse[0], 'ActionID')).toBe('c2c-1');
    expect(header(originateResponse[0], 'Response')).toBe('Success');
  });

  it('an Originate that timed out still lets its OriginateResponse through', () => {
    const registry = new AmiActionRegistry('pbx-test');
    registry.add(
      'c2c-1',
      'Originate',
      () => undefined,
      () => undefined,
    );
    registry.expire('c2c-1', new AmiError(AmiErrorCode.TIMEOUT, 'late', { pbx: 'pbx-test' }));
    const { passedThrough } = run(clickToCall, {}, { registry });
    expect(passedThrough.filter((m) => header(m, 'Event') === 'OriginateResponse')).toHaveLength(1);
  });

  it('rejects a list longer than maxListEvents and swallows the rest of it', () => {
    const registry = new AmiActionRegistry('pbx-test', 3);
    const { outcomes, passedThrough } = run(
      queueAdmin,
      { 'qs-1': 'QueueStatus', 'dsl-1': 'DeviceStateList' },
      { registry },
    );
    expect(failed(outcomes, 'qs-1').code).toBe(AmiErrorCode.LIST_TOO_LONG);
    expect(failed(outcomes, 'dsl-1').code).toBe(AmiErrorCode.LIST_TOO_LONG);
    expect(passedThrough.map((m) => header(m, 'ActionID')).filter(Boolean)).toEqual(
      // qsum, esl and csc were not registered: their list items pass through untouched
      expect.not.arrayContaining(['qs-1', 'dsl-1']),
    );
    expect(registry.size).toBe(0);
  });

  it('rejectAll rejects every pending action, mid-list included', () => {
    const registry = new AmiActionRegistry('pbx-test');
    const errors: AmiError[] = [];
    registry.add(
      'qs-1',
      'QueueStatus',
      () => undefined,
      (e) => errors.push(e),
    );
    registry.add(
      'x-9',
      'Ping',
      () => undefined,
      (e) => errors.push(e),
    );
    // only the first half of the recording arrives: qs-1 is mid-list
    const cut = queueAdmin.indexOf('Event: QueueParams\r\nQueue: sales');
    const parser = new AmiParser((m) => registry.dispatch(m));
    parser.push(queueAdmin.subarray(0, cut));
    expect(registry.size).toBe(2);
    const n = registry.rejectAll(
      (action, actionId) =>
        new AmiError(AmiErrorCode.LINK_DOWN, 'down', { pbx: 'pbx-test', action, actionId }),
    );
    expect(n).toBe(2);
    expect(errors.map((e) => [e.code, e.actionId])).toEqual([
      [AmiErrorCode.LINK_DOWN, 'qs-1'],
      [AmiErrorCode.LINK_DOWN, 'x-9'],
    ]);
    expect(registry.size).toBe(0);
  });

  it('refuses a duplicate ActionID', () => {
    const registry = new AmiActionRegistry('pbx-test');
    registry.add(
      'a-1',
      'Ping',
      () => undefined,
      () => undefined,
    );
    expect(() =>
      registry.add(
        'a-1',
        'Ping',
        () => undefined,
        () => undefined,
      ),
    ).toThrow(/duplicate/);
  });
});
