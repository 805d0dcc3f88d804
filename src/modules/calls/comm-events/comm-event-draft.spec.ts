import type { CallRecord, LiveCall } from '../tracker/index.js';
import {
  customerNumber,
  draftFromLive,
  draftFromRecord,
  reviveDraft,
  supersedes,
  type CommEventDraft,
} from './comm-event-draft.js';

const at = new Date('2026-11-22T20:54:40.000Z');

const live: LiveCall = {
  pbx: '0b7e4c1e-8f0a-4a8e-9d55-3f1d2c9b7a61',
  linkedid: '1795380887.0',
  direction: 'inbound',
  status: 'entered',
  fromNumber: '+79161234567',
  fromName: 'Ivan Petrov',
  toNumber: '74951234567',
  queue: 'support',
  agentExtension: null,
  agentInterface: null,
  agentName: null,
  startedAt: at,
  queuedAt: at,
  answeredAt: null,
  legs: [
    {
      extension: '1002',
      interface: 'Local/1002@phones/n',
      memberName: 'Bob Agent',
      queue: 'support',
      channel: 'Local/1002@phones-00000001;1',
      uniqueid: '1795380887.2',
      offeredAt: at,
      endedAt: null,
      ringSeconds: null,
      answered: false,
      reason: null,
    },
  ],
  transfers: [],
  variables: { CRM_COMM_EVENT: 'ce-42' },
  recordingPath: null,
  originateActionId: null,
};

const record: CallRecord = {
  ...live,
  status: 'complete',
  outcome: 'answered',
  agentExtension: '1001',
  answeredAt: new Date(at.getTime() + 2000),
  endedAt: new Date(at.getTime() + 6000),
  waitSeconds: 1,
  talkSeconds: 3,
  hangupCause: 16,
  hangupCauseText: 'x'.repeat(500),
  recordingPath: '/var/spool/asterisk/monitor/1795380887.1.wav',
  transfers: [{ kind: 'blind', fromExtension: '1001', toExtension: '1003', at }],
  legsDropped: 0,
  note: null,
};

describe('CommEvent drafts', () => {
  it('turns a live call into an entered draft with plain JSON legs', () => {
    const d = draftFromLive(live);
    expect(d).toMatchObject({ status: 'entered', outcome: null, endedAt: null, talkSeconds: null });
    expect(d.legs[0]).toMatchObject({ extension: '1002', offeredAt: at.toISOString(), endedAt: null });
  });

  it('turns a record into a complete draft, cutting values to the column widths', () => {
    const d = draftFromRecord(record);
    expect(d).toMatchObject({ status: 'complete', outcome: 'answered', talkSeconds: 3, waitSeconds: 1 });
    expect(d.hangupCauseText).toHaveLength(128);
    expect(d.transfers).toEqual([
      { kind: 'blind', fromExtension: '1001', toExtension: '1003', at: at.toISOString() },
    ]);
  });

  it.each([
    ['entered', 'entered', true],
    ['in_progress', 'entered', true],
    ['complete', 'in_progress', true],
    ['entered', 'in_progress', false],
    ['in_progress', 'complete', false],
    ['entered', 'complete', false],
  ] as const)('a %s draft supersedes a %s one: %s', (next, prev, expected) => {
    const d = (status: CommEventDraft['status']) => ({ ...draftFromLive(live), status });
    expect(supersedes(d(next), d(prev))).toBe(expected);
  });

  it('knows the customer’s number: the caller inbound, the dialled number outbound, none internal', () => {
    const d = draftFromLive(live);
    expect(customerNumber(d)).toBe('+79161234567');
    expect(customerNumber({ ...d, direction: 'outbound', fromNumber: '1001', toNumber: '84951112233' })).toBe(
      '84951112233',
    );
    expect(customerNumber({ ...d, direction: 'internal' })).toBeNull();
  });

  it('reads back what the journal wrote', () => {
    const d = draftFromRecord(record);
    expect(reviveDraft(JSON.stringify(d))).toEqual(d);
  });

  it.each([
    ['a torn line', JSON.stringify(draftFromLive(live)).slice(0, 40)],
    ['not an object', '42'],
    ['no linkedid', JSON.stringify({ ...draftFromLive(live), linkedid: undefined })],
    ['an unknown status', JSON.stringify({ ...draftFromLive(live), status: 'weird' })],
    ['a bad date', JSON.stringify({ ...draftFromLive(live), startedAt: 'yesterday' })],
  ])('skips %s', (_name, line) => {
    expect(reviveDraft(line)).toBeUndefined();
  });
});
