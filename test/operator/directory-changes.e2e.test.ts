import {
  call,
  CallPlayer,
  connected,
  handPhoneOver,
  type OperatorLab,
  recorder,
  type Recorder,
  startOperatorLab,
  until,
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

  it('a phone nobody owned pops up for the user it is given to on the next call', async () => {
    const bob = recorder(lab.app.url, { token: lab.bob.token });
    open.push(bob);
    await connected(bob);
    await bob.waitFor('snapshot');
    const logoff = `/api/v1/groups/${lab.support.id}/members/${lab.bob.id}/logoff`;
    expect((await call(lab.app, 'POST', logoff)).status).toBe(200);
    const peers = await call(lab.app, 'GET', `/api/v1/peers?userId=${lab.bob.id}`);
    const phone = (peers.body.items as { id: string; extension: string }[]).find(
      (p) => p.extension === '1002',
    )!;
    expect((await call(lab.app, 'DELETE', `/api/v1/peers/${phone.id}`)).status).toBe(204);
    await bob.waitFor('agent:status', (e) => e.extension === null);

    // 1002 rings while nobody owns it: the gateway keeps "nobody" while it hears every change.
    const third = `${lab.pbxId}:${queueCall.linkedid(3)}`;
    queueCall.play(3)();
    await until('the third call recorded', async () => {
      const list = await call(lab.app, 'GET', '/api/v1/comm-events?number=%2B79161234567&limit=20');
      return (list.body.items as { linkedid: string; status: string }[]).some(
        (e) => e.linkedid === queueCall.linkedid(3) && e.status === 'complete',
      );
    });
    expect(bob.events.filter((e) => e.event?.callId === third)).toEqual([]);

    // Given back to Bob: that change drops "nobody", and the next call's popup is his.
    const given = await call(lab.app, 'POST', '/api/v1/peers', {
      userId: lab.bob.id,
      extension: '1002',
      dialInterface: 'Local/1002@phones/n',
      stateInterface: 'Custom:1002',
    });
    expect(given.status).toBe(201);
    await bob.waitFor('agent:status', (e) => e.extension === '1002');
    const fourth = `${lab.pbxId}:${queueCall.linkedid(4)}`;
    queueCall.play(4)();
    await bob.waitFor('call:offered', (e) => e.callId === fourth && e.extension === '1002');
  });
});
