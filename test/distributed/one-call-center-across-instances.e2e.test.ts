import { AmiGatewayService } from '../../src/modules/ami/ami-gateway.service.js';
import {
  CallPlayer,
  connected,
  handPhoneOver,
  type OperatorLab,
  type Recorder,
  recorder,
  startOperatorLab,
  until,
} from '../operator/operator-test-kit.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Two instances show one call center: A follows the PBX (the lab, with Redis), B only acts on it.
 * Queue figures and group call-back tasks reach the members connected to either (Alice is
 * connected to B, Bob to A, both members of Support), and B's /api/v1/live shows what A follows.
 * Uses the machine's Redis (127.0.0.1:6379, or TEST_REDIS_URL).
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('one call center across instances (Redis)', () => {
  let lab: OperatorLab;
  let b: TestApp;
  let alice: Recorder;
  let bob: Recorder;

  beforeAll(async () => {
    lab = await startOperatorLab({ REDIS_URL, INSTANCE_NAME: 'a' });
    b = await startTestApp({
      DATABASE_URL: lab.app.databaseUrl,
      REDIS_URL,
      INSTANCE_NAME: 'b',
      AMI_HOST: '127.0.0.1',
      AMI_PORT: String(lab.sim.port),
      AMI_USERNAME: 'crm',
      AMI_SECRET: 'labsecret',
    });
    const gwA = lab.app.app.get(AmiGatewayService);
    const gwB = b.app.get(AmiGatewayService);
    await until('B able to act on the PBX', () => gwB.canAct(lab.pbxId), 30_000);
    expect([gwA.ingesting(lab.pbxId), gwB.ingesting(lab.pbxId)]).toEqual([true, false]);
    alice = recorder(b.url, { token: lab.alice.token });
    bob = recorder(lab.app.url, { token: lab.bob.token });
    await Promise.all([connected(alice), connected(bob)]);
    await Promise.all([alice.waitFor('snapshot'), bob.waitFor('snapshot')]);
    await new Promise((r) => setTimeout(r, 500)); // the adapters' Redis subscriptions
  }, 90_000);
  afterAll(async () => {
    alice?.close();
    bob?.close();
    await b?.stop();
    await lab?.stop();
  });

  it('sends the queue figures of a call A follows to a member connected to B, and B snapshots them', async () => {
    const call = await CallPlayer.load(lab.sim, 'inbound-queue-answered.ami');
    const rest = call.play(1, (name) => name === 'QueueCallerJoin');
    const onB = await alice.waitFor('queue:stats', (q) => q.queue === 'support' && q.waiting === 1);
    const onA = await bob.waitFor('queue:stats', (q) => q.queue === 'support' && q.waiting === 1);
    expect(onB).toMatchObject({ pbxId: lab.pbxId, queue: 'support', waiting: 1 });
    expect(onB.oldestWaitingSince).toBe(onA.oldestWaitingSince);
    rest();
    await alice.waitFor('queue:stats', (q) => q.queue === 'support' && q.waiting === 0 && q.seq > onB.seq);

    // a new connection to B starts from figures only A computes
    const again = recorder(b.url, { token: lab.alice.token });
    try {
      await connected(again);
      const snap = await again.waitFor('snapshot');
      expect(snap.queues).toEqual([
        expect.objectContaining({ pbxId: lab.pbxId, queue: 'support', waiting: 0 }),
      ]);
    } finally {
      again.close();
    }
  }, 60_000);

  it("gives a group's call-back task to members on both instances", async () => {
    const abandoned = await CallPlayer.load(lab.sim, 'inbound-queue-abandoned.ami');
    const linkedid = abandoned.linkedid(2);
    abandoned.play(2)();
    const [onB, onA] = await Promise.all([
      alice.waitFor('callback:created', (e) => e.callId.endsWith(linkedid)),
      bob.waitFor('callback:created', (e) => e.callId.endsWith(linkedid)),
    ]);
    expect(onB).toMatchObject({ number: '89031112233', assigneeUserId: null, groupId: lab.support.id });
    expect(onB.id).toBe(onA.id);
  }, 60_000);

  it("shows the live model of the PBX A follows on B's /api/v1/live, operators seeing only their calls", async () => {
    type LiveCall = { pbxId: string; linkedid: string; queue: string | null };
    const liveOnB = async <T>(path: string, headers?: Record<string, string>) =>
      (await (await b.api(`/api/v1/live/${path}`, { headers })).json()) as T;
    const call = await CallPlayer.load(lab.sim, 'inbound-queue-answered.ami');
    const linkedid = call.linkedid(3);
    const rest = call.play(3, (name) => name === 'QueueCallerJoin');
    const queued = await until('the queued call on B', async () =>
      (await liveOnB<LiveCall[]>('calls')).find((c) => c.linkedid === linkedid),
    );
    expect(queued).toMatchObject({ pbxId: lab.pbxId, queue: 'support' });
    expect(await liveOnB<LiveCall[]>('calls', { authorization: `Bearer ${lab.carol.token}` })).toEqual([]);
    const queues = await liveOnB<{ pbxId: string; queue: string; callersWaiting: number }[]>('queues');
    expect(queues).toContainEqual(expect.objectContaining({ pbxId: lab.pbxId, queue: 'support' }));
    const agents = await liveOnB<{ pbxId: string; extension: string }[]>('agents');
    expect(agents.filter((a) => a.pbxId === lab.pbxId).map((a) => a.extension)).toEqual(
      expect.arrayContaining(['1001', '1002', '1003']),
    );
    rest();
    await until('the call gone from B', async () =>
      (await liveOnB<LiveCall[]>('calls')).every((c) => c.linkedid !== linkedid),
    );
  }, 60_000);

  it('a phone handed to another operator over B follows on A at once: A pops the next call up for the new owner', async () => {
    const carol = recorder(b.url, { token: lab.carol.token });
    try {
      await connected(carol);
      await carol.waitFor('snapshot');
      await handPhoneOver(b, { groupId: lab.support.id, from: lab.bob, to: lab.carol, extension: '1002' });
      // Bob is connected to A: A heard the change made on B and tells him he has no phone now.
      await bob.waitFor('agent:status', (e) => e.extension === null);

      const call = await CallPlayer.load(lab.sim, 'inbound-queue-answered.ami');
      const callId = `${lab.pbxId}:${call.linkedid(4)}`;
      call.play(4)();
      await carol.waitFor('call:offered', (e) => e.callId === callId && e.extension === '1002');
      await alice.waitFor('call:ended', (e) => e.callId === callId);
      expect(bob.events.filter((e) => e.event?.callId === callId)).toEqual([]);
    } finally {
      carol.close();
    }
  }, 60_000);
});
