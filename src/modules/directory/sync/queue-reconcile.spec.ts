import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { header, type AmiMessage } from '../../../protocol/ami/ami-message.js';
import { AmiParser } from '../../../protocol/ami/ami-parser.js';
import {
  type DirectoryQueueMember,
  parseQueueStatus,
  planReconciliation,
  queueAddFields,
} from './queue-reconcile.js';

/** The QueueStatus answer (ActionID qs-1) a real Asterisk 22 gave in queue-admin.ami. */
function recordedQueueStatus(): AmiMessage[] {
  const bytes = readFileSync(
    join(import.meta.dirname, '../../../../test/fixtures/asterisk-22/queue-admin.ami'),
  );
  const messages: AmiMessage[] = [];
  new AmiParser((m) => messages.push(m)).push(bytes);
  return messages.filter((m) => m.type === 'event' && header(m, 'actionid') === 'qs-1');
}

const member = (over: Partial<DirectoryQueueMember>): DirectoryQueueMember => ({
  membershipId: 'm-dmitry',
  userId: 'u-dmitry',
  displayName: 'Dmitry Agent',
  loggedIn: true,
  paused: true,
  pausedReason: 'lunch',
  penalty: 0,
  syncState: 'synced',
  dialInterface: 'Local/1004@phones/n',
  stateInterface: 'Custom:1004',
  ...over,
});

describe('parseQueueStatus (recorded Asterisk 22 answer)', () => {
  it('reads the members of one queue with their membership, pause and state interface', () => {
    const support = parseQueueStatus('support', recordedQueueStatus());
    expect(support.queueExists).toBe(true);
    expect(support.members).toEqual([
      expect.objectContaining({
        interface: 'Local/1004@phones/n',
        name: 'Dmitry Agent',
        stateInterface: 'Custom:1004',
        membership: 'dynamic',
        paused: true,
        pausedReason: 'lunch',
        penalty: 0,
      }),
      expect.objectContaining({
        interface: 'Local/1001@phones/n',
        membership: 'static',
        callsTaken: 2,
        status: 2,
      }),
      expect.objectContaining({
        interface: 'Local/1002@phones/n',
        membership: 'static',
        paused: false,
        status: 6,
      }),
    ]);
    const sales = parseQueueStatus('sales', recordedQueueStatus());
    expect(sales.members.map((m) => m.name)).toEqual(['Carol Agent']);
  });

  it('tells a queue Asterisk does not have', () => {
    expect(parseQueueStatus('billing', recordedQueueStatus())).toEqual({ queueExists: false, members: [] });
  });
});

describe('planReconciliation', () => {
  const asterisk = () => parseQueueStatus('support', recordedQueueStatus()).members;

  it('finds nothing to do when Asterisk matches the directory, and shows the static members', () => {
    const plan = planReconciliation('support', [member({})], asterisk(), { removeUnknown: false });
    expect(plan.actions).toEqual([]);
    expect(plan.drift).toEqual([]);
    expect(plan.inStep).toEqual(['m-dmitry']);
    expect(plan.staticMembers.map((s) => [s.memberName, s.membership])).toEqual([
      ['Alice Agent', 'static'],
      ['Bob Agent', 'static'],
    ]);
  });

  it('adds a logged-in member Asterisk lacks, with every QueueAdd field', () => {
    const ann = member({
      membershipId: 'm-ann',
      userId: 'u-ann',
      displayName: 'Ann Agent',
      dialInterface: 'PJSIP/1005',
      stateInterface: null,
      paused: true,
      pausedReason: 'training',
      penalty: 3,
    });
    const plan = planReconciliation('support', [member({}), ann], asterisk(), { removeUnknown: false });
    expect(plan.actions).toEqual([
      {
        kind: 'add',
        membershipId: 'm-ann',
        fields: {
          Queue: 'support',
          Interface: 'PJSIP/1005',
          MemberName: 'Ann Agent',
          Penalty: 3,
          Paused: true,
          Reason: 'training',
        },
      },
    ]);
    expect(plan.drift).toEqual([
      expect.objectContaining({ kind: 'missing', interface: 'PJSIP/1005', action: 'add' }),
    ]);
  });

  it('reports a dynamic member the directory does not know, and removes it only when told to', () => {
    const reported = planReconciliation('support', [], asterisk(), { removeUnknown: false });
    expect(reported.actions).toEqual([]);
    expect(reported.drift).toEqual([
      expect.objectContaining({
        kind: 'unknown',
        interface: 'Local/1004@phones/n',
        userId: null,
        action: 'reported',
      }),
    ]);
    const removed = planReconciliation('support', [], asterisk(), { removeUnknown: true });
    expect(removed.actions).toEqual([{ kind: 'remove', interface: 'Local/1004@phones/n' }]);
    // static members are never removed, whatever the setting
    expect(removed.staticMembers).toHaveLength(2);
  });

  it('finishes a logoff made while the PBX was unreachable', () => {
    const plan = planReconciliation(
      'support',
      [member({ loggedIn: false, paused: false, pausedReason: null, syncState: 'pending' })],
      asterisk(),
      { removeUnknown: false },
    );
    expect(plan.actions).toEqual([
      { kind: 'remove', interface: 'Local/1004@phones/n', membershipId: 'm-dmitry' },
    ]);
    expect(plan.drift[0]).toMatchObject({ kind: 'stale', userId: 'u-dmitry' });
  });

  it('treats a logged-off, synced member still in the queue as unknown (someone else added it)', () => {
    const plan = planReconciliation(
      'support',
      [member({ loggedIn: false, syncState: 'synced' })],
      asterisk(),
      {
        removeUnknown: false,
      },
    );
    expect(plan.actions).toEqual([]);
    expect(plan.drift[0]).toMatchObject({ kind: 'unknown', userId: 'u-dmitry', action: 'reported' });
  });

  it('pushes the directory pause and penalty over a different Asterisk state', () => {
    const plan = planReconciliation(
      'support',
      [member({ paused: false, pausedReason: null, penalty: 2, syncState: 'pending' })],
      asterisk(),
      { removeUnknown: false },
    );
    expect(plan.actions).toEqual([
      {
        kind: 'pause',
        membershipId: 'm-dmitry',
        interface: 'Local/1004@phones/n',
        paused: false,
        reason: '',
      },
      { kind: 'penalty', membershipId: 'm-dmitry', interface: 'Local/1004@phones/n', penalty: 2 },
    ]);
    expect(plan.drift[0]).toMatchObject({ kind: 'mismatch', action: 'pause+penalty' });
    expect(plan.drift[0].detail).toMatch(
      /paused: asterisk yes \(lunch\), directory no; penalty: asterisk 0, directory 2/,
    );
  });

  it('sees a different pause reason as a mismatch', () => {
    const plan = planReconciliation('support', [member({ pausedReason: 'meeting' })], asterisk(), {
      removeUnknown: false,
    });
    expect(plan.actions).toEqual([
      {
        kind: 'pause',
        membershipId: 'm-dmitry',
        interface: 'Local/1004@phones/n',
        paused: true,
        reason: 'meeting',
      },
    ]);
  });

  it('leaves a queues.conf member alone even when the directory logs its user in, and names the user', () => {
    const alice = member({
      membershipId: 'm-alice',
      userId: 'u-alice',
      displayName: 'Alice Agent',
      dialInterface: 'local/1001@PHONES/n', // Asterisk compares interfaces ignoring case
      paused: true,
      pausedReason: 'lunch',
    });
    const plan = planReconciliation('support', [member({}), alice], asterisk(), { removeUnknown: true });
    expect(plan.actions).toEqual([]);
    expect(plan.inStep).toContain('m-alice');
    expect(plan.staticMembers.find((s) => s.memberName === 'Alice Agent')?.userId).toBe('u-alice');
  });

  it('omits StateInterface and Reason from QueueAdd when there are none', () => {
    expect(
      queueAddFields(
        'sales',
        member({ stateInterface: null, paused: false, pausedReason: 'lunch', penalty: 1 }),
      ),
    ).toEqual({
      Queue: 'sales',
      Interface: 'Local/1004@phones/n',
      MemberName: 'Dmitry Agent',
      Penalty: 1,
      Paused: false,
    });
  });
});
