import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseRecording } from './ami-recording.js';
import { LAB_PBX } from './lab-config.js';
import { PbxModel } from './pbx-model.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'asterisk-22');
const events = (name: string) => parseRecording(readFileSync(join(FIXTURES, name)), name).events;

describe('PbxModel fed with the recordings', () => {
  it('tracks the channels of the answered call while it runs, and none once it ended', () => {
    const model = new PbxModel(LAB_PBX);
    const evs = events('inbound-queue-answered.ami');
    const bridged = evs.findIndex(
      (e) => e.eventName === 'BridgeEnter' && e.raw.includes('incoming-00000000;2'),
    );
    for (const e of evs.slice(0, bridged + 1)) model.apply(e.msg);
    const names = model.listChannels().map((c) => c.name);
    expect(names).toEqual([
      'Local/74951234567@incoming-00000000;1',
      'Local/74951234567@incoming-00000000;2',
      'Local/1001@phones-00000002;1',
      'Local/1001@phones-00000002;2',
    ]);
    const caller = model.findChannel('Local/74951234567@incoming-00000000;2')!;
    expect([caller.callerIdNum, caller.stateDesc, caller.application]).toEqual([
      '+79161234567',
      'Up',
      'Queue',
    ]);
    expect(caller.bridgeId).toBe('87d7692c-3030-47a6-8613-f0f6871a9ca2');
    expect(model.findQueue('support')!.callers).toHaveLength(0);

    for (const e of evs.slice(bridged + 1)) model.apply(e.msg);
    expect(model.channelCount).toBe(0);
    const support = model.findQueue('support')!;
    expect([support.completed, support.abandoned]).toEqual([1, 0]);
    expect(support.members.get('local/1001@phones/n')!.callsTaken).toBe(1);
  });

  it('counts the busy hour as Asterisk reported it: 10 answered, 14 abandoned', () => {
    const model = new PbxModel(LAB_PBX);
    for (const e of events('busy-hour-24-calls.ami')) model.apply(e.msg);
    expect(model.channelCount).toBe(0);
    const support = model.findQueue('support')!;
    const sales = model.findQueue('sales')!;
    expect([support.completed, support.abandoned, sales.completed, sales.abandoned]).toEqual([6, 10, 4, 4]);
    expect(support.callers).toHaveLength(0);
  });

  it('shows a caller waiting in QueueStatus as a QueueEntry', () => {
    const model = new PbxModel(LAB_PBX);
    const evs = events('inbound-queue-abandoned.ami');
    const joined = evs.findIndex((e) => e.eventName === 'QueueCallerJoin');
    for (const e of evs.slice(0, joined + 1)) model.apply(e.msg);
    const items = model.queueStatusItems('support', undefined, 'qs-9');
    const entry = items.find((i) => i.startsWith('Event: QueueEntry\r\n'))!;
    expect(entry).toContain(
      '\r\nPosition: 1\r\nChannel: Local/74951234567@incoming-00000003;2\r\nUniqueid: 1795381003.7\r\n',
    );
    expect(entry).toContain('\r\nCallerIDNum: 89031112233\r\nCallerIDName: Olga Smirnova\r\n');
    expect(entry.endsWith('ActionID: qs-9\r\n\r\n')).toBe(true);
    expect(model.queueSummaryItems('support')[0]).toContain('\r\nCallers: 1\r\n');
  });
});

describe('PbxModel queue administration', () => {
  it('adds, pauses, re-penalises and removes a dynamic member with the events of queue-admin.ami', () => {
    const model = new PbxModel(LAB_PBX, () => 1795381041_000);
    const add = model.addMember(
      'support',
      'Local/1004@phones/n',
      'Dmitry Agent',
      'Custom:1004',
      0,
      false,
      '',
    );
    expect(add.events.map((e) => e.split('\r\n')[0])).toEqual([
      'Event: DeviceStateChange',
      'Event: QueueMemberAdded',
      'Event: DeviceStateChange',
    ]);
    const recorded = readFileSync(join(FIXTURES, 'queue-admin.ami'), 'utf8');
    // the member blob is the recording's, byte for byte (same clock, same unknown device)
    expect(recorded).toContain(add.events[1]);
    expect(recorded).toContain(add.events[0]);

    const pause = model.pauseMember('support', 'Local/1004@phones/n', true, 'lunch');
    expect(recorded).toContain(pause.events[0]);
    expect(recorded).toContain(pause.events[2]);

    expect(model.setPenalty(undefined, 'Local/1004@phones/n', 3).events[0]).toContain('\r\nPenalty: 3\r\n');
    expect(model.setPenalty('sales', 'Local/1004@phones/n', 3).error).toBe(
      'Invalid interface, queuename or penalty',
    );
    expect(model.addMember('support', 'local/1004@PHONES/n', undefined, undefined, 0, false, '').error).toBe(
      'Unable to add interface: Already there',
    );
    expect(model.addMember('nosuch', 'Local/1004@phones/n', undefined, undefined, 0, false, '').error).toBe(
      'Unable to add interface to queue: No such queue',
    );
    expect(model.removeMember('support', 'Local/1004@phones/n').error).toBeUndefined();
    expect(model.removeMember('support', 'Local/1004@phones/n').error).toBe(
      'Unable to remove interface: Not there',
    );
    expect(model.pauseMember(undefined, 'Local/1004@phones/n', true, '').error).toBe('Interface not found');
  });

  it('reboot forgets dynamic members, channels and statistics', () => {
    const model = new PbxModel(LAB_PBX);
    model.addMember('support', 'Local/1004@phones/n', 'Dmitry Agent', 'Custom:1004', 0, false, '');
    for (const e of events('inbound-queue-answered.ami').slice(0, 20)) model.apply(e.msg);
    expect(model.channelCount).toBeGreaterThan(0);
    model.reboot();
    expect(model.channelCount).toBe(0);
    expect([...model.findQueue('support')!.members.keys()]).toEqual([
      'local/1001@phones/n',
      'local/1002@phones/n',
    ]);
  });
});
