import {
  CallPlayer,
  connected,
  handPhoneOver,
  type OperatorLab,
  recorder,
  type Recorder,
  startOperatorLab,
} from './operator-test-kit.js';

/**
 * A phone handed to another operator over the REST API: the gateway follows the directory at once
 * (its caches hear the change through PostgreSQL NOTIFY), not when they expire, so the next call
 * on that phone pops up for its new owner and never for the old one.
 */
describe('Operator gateway after a directory change', () => {
  let lab: OperatorLab;
  let queueCall: CallPlayer;
  const open: Recorder[] = [];

  beforeAll(async () => {
    lab = await startOperatorLab();
    queueCall = await CallPlayer.load(lab.sim, 'inbound-queue-answered.ami');
  });
  afterAll(async () => {
    for (const r of open) r.close();
    await lab?.stop();
  });

  it('a reassigned phone rings for its new owner: popup and status follow the change at once', async () => {
    const alice = recorder(lab.app.url, { token: lab.alice.token });
    const carol = recorder(lab.app.url, { token: lab.carol.token });
    open.push(alice, carol);
    await Promise.all([alice, carol].map(connected));
    await Promise.all([alice, carol].map((r) => r.waitFor('snapshot')));

    // Phone 1001 is Alice's: the gateway knows it (and keeps that answer for a while).
    const first = `${lab.pbxId}:${queueCall.linkedid(1)}`;
    queueCall.play(1)();
    await alice.waitFor('call:offered', (e) => e.callId === first && e.extension === '1001');
    await alice.waitFor('call:ended', (e) => e.callId === first);

    // The supervisor's desk hands phone 1001 to Carol.
    await handPhoneOver(lab.app, {
      groupId: lab.support.id,
      from: lab.alice,
      to: lab.carol,
      extension: '1001',
    });

    // Alice's screen shows she has no phone any more, without her doing anything.
    await alice.waitFor('agent:status', (e) => e.extension === null);

    // The same call again rings 1001: Carol's popup now; Alice never hears of it.
    const second = `${lab.pbxId}:${queueCall.linkedid(2)}`;
    queueCall.play(2)();
    await carol.waitFor('call:offered', (e) => e.callId === second && e.extension === '1001');
    await carol.waitFor('call:ended', (e) => e.callId === second && e.userId === lab.carol.id);
    expect(alice.events.filter((e) => e.event?.callId === second)).toEqual([]);
  });
});
