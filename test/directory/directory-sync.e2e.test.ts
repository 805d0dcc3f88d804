import { header } from '../../src/protocol/ami/ami-message.js';
import { AmiGatewayService } from '../../src/modules/ami/ami-gateway.service.js';
import { AmiSimulator } from '../../src/simulator/ami-simulator.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { call, type Person, person, until } from './directory-test-kit.js';

/**
 * Asterisk follows the directory: the app against the PBX simulator over loopback TCP. The
 * simulator's queues are the lab's (support: Alice and Bob static; sales: Carol static).
 */

interface QueueMemberView {
  interface: string;
  name: string;
  stateInterface: string;
  membership: string;
  penalty: number;
  paused: boolean;
  pausedReason: string;
}

/** What the PBX itself says (QueueStatus through the gateway, not through the directory). */
async function queueStatus(
  gateway: AmiGatewayService,
  pbxId: string,
  queue: string,
): Promise<QueueMemberView[]> {
  const r = await gateway.action(pbxId, 'QueueStatus', { Queue: queue });
  return r.events
    .filter((e) => header(e, 'event') === 'QueueMember')
    .map((e) => ({
      interface: header(e, 'location')!,
      name: header(e, 'name')!,
      stateInterface: header(e, 'stateinterface')!,
      membership: header(e, 'membership')!,
      penalty: Number(header(e, 'penalty')),
      paused: header(e, 'paused') === '1',
      pausedReason: header(e, 'pausedreason') ?? '',
    }));
}

async function startWithSimulator(env: Record<string, string> = {}) {
  const port = await freePort();
  const sim = new AmiSimulator({ port, username: 'crm', secret: 'labsecret' });
  await sim.start();
  const app = await startTestApp({
    AMI_HOST: '127.0.0.1',
    AMI_PORT: String(port),
    AMI_USERNAME: 'crm',
    AMI_SECRET: 'labsecret',
    ...env,
  });
  const gateway = app.app.get(AmiGatewayService);
  const pbxId = ((await call(app, 'GET', '/api/v1/pbxes')).body as { id: string; name: string }[]).find(
    (p) => p.name === 'default',
  )!.id;
  await until('the AMI link', () => gateway.isReady(pbxId));
  return { sim, app, gateway, pbxId };
}

/** The actions of one name the simulator received, as lower-cased header maps. */
const received = (sim: AmiSimulator, action: string) =>
  sim.actionsReceived
    .filter((a) => header(a, 'action')?.toLowerCase() === action.toLowerCase())
    .map((a) => a.headers);

describe('Asterisk follows the directory (PBX simulator over loopback TCP)', () => {
  let sim: AmiSimulator;
  let app: TestApp;
  let gateway: AmiGatewayService;
  let pbxId: string;
  let dmitry: Person;
  let eve: Person;
  let frank: Person;
  let support: { id: string };

  beforeAll(async () => {
    ({ sim, app, gateway, pbxId } = await startWithSimulator());
    dmitry = await person(app, 'Dmitry Agent', 'operator');
    eve = await person(app, 'Eve Agent', 'operator');
    frank = await person(app, 'Frank Agent', 'operator');
    for (const [who, ext, iface, state] of [
      [dmitry, '1004', 'Local/1004@phones/n', 'Custom:1004'],
      [eve, '1005', 'Local/1005@phones/n', 'Custom:1005'],
      [frank, '1006', 'PJSIP/1006', undefined],
    ] as const) {
      const peer = await call(app, 'POST', '/api/v1/peers', {
        userId: who.id,
        extension: ext,
        dialInterface: iface,
        stateInterface: state,
      });
      expect(peer.status).toBe(201);
    }
    support = (
      await call(app, 'POST', '/api/v1/groups', {
        name: 'Support',
        queue: 'support',
        numbers: ['74951234567'],
      })
    ).body;
    for (const who of [dmitry, eve, frank]) {
      expect(
        (await call(app, 'POST', `/api/v1/groups/${support.id}/members`, { userId: who.id })).status,
      ).toBe(201);
    }
  });
  afterAll(async () => {
    await app?.stop();
    await sim?.stop();
  });

  const member = (who: Person, action: string, json?: unknown, as: Person | undefined = who) =>
    call(app, 'POST', `/api/v1/groups/${support.id}/members/${who.id}/${action}`, json, as);

  it('logs a member in with QueueAdd carrying interface, name, state interface and penalty; QueueStatus shows it', async () => {
    const res = await member(dmitry, 'login');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      loggedIn: true,
      syncState: 'synced',
      lastSyncError: null,
      asterisk: { status: 'applied', action: 'QueueAdd', message: 'Added interface to queue' },
    });
    expect(received(sim, 'QueueAdd').at(-1)).toMatchObject({
      queue: 'support',
      interface: 'Local/1004@phones/n',
      membername: 'Dmitry Agent',
      stateinterface: 'Custom:1004',
      penalty: '0',
      paused: 'false',
    });
    expect(await queueStatus(gateway, pbxId, 'support')).toEqual(
      expect.arrayContaining([
        {
          interface: 'Local/1004@phones/n',
          name: 'Dmitry Agent',
          stateInterface: 'Custom:1004',
          membership: 'dynamic',
          penalty: 0,
          paused: false,
          pausedReason: '',
        },
      ]),
    );
  });

  it('pauses with a reason and unpauses (QueuePause), and changes the penalty (QueuePenalty)', async () => {
    const paused = await member(dmitry, 'pause', { reason: 'lunch' });
    expect(paused.body).toMatchObject({
      paused: true,
      pausedReason: 'lunch',
      syncState: 'synced',
      asterisk: { status: 'applied', action: 'QueuePause', message: 'Interface paused successfully' },
    });
    expect(received(sim, 'QueuePause').at(-1)).toMatchObject({
      queue: 'support',
      interface: 'Local/1004@phones/n',
      paused: 'true',
      reason: 'lunch',
    });
    expect(
      (await queueStatus(gateway, pbxId, 'support')).find((m) => m.name === 'Dmitry Agent'),
    ).toMatchObject({
      paused: true,
      pausedReason: 'lunch',
    });

    const penalty = await call(app, 'PATCH', `/api/v1/groups/${support.id}/members/${dmitry.id}`, {
      penalty: 3,
    });
    expect(penalty.body).toMatchObject({
      penalty: 3,
      asterisk: { status: 'applied', action: 'QueuePenalty' },
    });
    expect(received(sim, 'QueuePenalty').at(-1)).toMatchObject({
      interface: 'Local/1004@phones/n',
      penalty: '3',
    });

    const unpaused = await member(dmitry, 'unpause');
    expect(unpaused.body).toMatchObject({
      paused: false,
      pausedReason: null,
      asterisk: { status: 'applied' },
    });
    expect(
      (await queueStatus(gateway, pbxId, 'support')).find((m) => m.name === 'Dmitry Agent'),
    ).toMatchObject({
      paused: false,
      penalty: 3,
    });
  });

  it('logs off with QueueRemove, and removes a logged-in member from the queue when the membership is deleted', async () => {
    const off = await member(dmitry, 'logoff');
    expect(off.body).toMatchObject({
      loggedIn: false,
      syncState: 'synced',
      asterisk: { status: 'applied', action: 'QueueRemove', message: 'Removed interface from queue' },
    });
    expect(received(sim, 'QueueRemove').at(-1)).toMatchObject({
      queue: 'support',
      interface: 'Local/1004@phones/n',
    });
    expect((await queueStatus(gateway, pbxId, 'support')).map((m) => m.name)).not.toContain('Dmitry Agent');

    expect((await member(frank, 'login')).body.asterisk.status).toBe('applied');
    const removed = await call(app, 'DELETE', `/api/v1/groups/${support.id}/members/${frank.id}`);
    expect(removed.body).toMatchObject({
      removed: true,
      asterisk: { status: 'applied', action: 'QueueRemove' },
    });
    expect((await queueStatus(gateway, pbxId, 'support')).map((m) => m.interface)).not.toContain(
      'PJSIP/1006',
    );
    expect(
      (await call(app, 'POST', `/api/v1/groups/${support.id}/members`, { userId: frank.id })).status,
    ).toBe(201);
  });

  it("reports Asterisk's refusal with its Message and keeps the change marked failed", async () => {
    const ghost = (await call(app, 'POST', '/api/v1/groups', { name: 'Ghost', queue: 'no-such-queue' })).body;
    await call(app, 'POST', `/api/v1/groups/${ghost.id}/members`, { userId: eve.id });
    const res = await call(app, 'POST', `/api/v1/groups/${ghost.id}/members/${eve.id}/login`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      loggedIn: true,
      syncState: 'failed',
      lastSyncError: 'Unable to add interface to queue: No such queue',
      asterisk: {
        status: 'rejected',
        action: 'QueueAdd',
        message: 'Unable to add interface to queue: No such queue',
      },
    });
    const drift = await call(app, 'POST', `/api/v1/groups/${ghost.id}/reconcile`);
    expect(drift.body).toMatchObject({
      status: 'drift',
      queueExists: false,
      error: 'Asterisk has no queue no-such-queue',
    });
    expect(
      (await call(app, 'POST', `/api/v1/groups/${ghost.id}/members/${eve.id}/logoff`)).body.asterisk.status,
    ).toBe('rejected');
    expect((await call(app, 'DELETE', `/api/v1/groups/${ghost.id}`)).status).toBe(204);
  });

  it('keeps changes made while the PBX is down and applies them when it comes back', async () => {
    // before: Dmitry and Frank logged in
    expect((await member(dmitry, 'login')).body.asterisk.status).toBe('applied');
    expect((await member(frank, 'login')).body.asterisk.status).toBe('applied');
    await sim.stop();
    await until('the link down', () => !gateway.isReady(pbxId));

    const off = await member(dmitry, 'logoff');
    expect(off.body).toMatchObject({
      loggedIn: false,
      syncState: 'pending',
      asterisk: { status: 'pending' },
    });
    const on = await member(eve, 'login', { paused: true, reason: 'meeting' });
    expect(on.body).toMatchObject({
      loggedIn: true,
      paused: true,
      pausedReason: 'meeting',
      syncState: 'pending',
      asterisk: { status: 'pending', action: 'QueueAdd' },
    });
    const gone = await call(app, 'DELETE', `/api/v1/groups/${support.id}/members/${frank.id}`);
    expect(gone.body.asterisk.status).toBe('pending');

    await sim.start(); // the same PBX (same queues and members) on the same port
    await until('every pending change applied', async () => {
      const pending = await call(app, 'GET', `/api/v1/groups/${support.id}/members?syncState=pending`);
      return pending.body.total === 0 ? true : undefined;
    });
    const members = await queueStatus(gateway, pbxId, 'support');
    expect(members.map((m) => m.interface).sort()).toEqual([
      'Local/1001@phones/n',
      'Local/1002@phones/n',
      'Local/1005@phones/n',
    ]);
    expect(members.find((m) => m.interface === 'Local/1005@phones/n')).toMatchObject({
      name: 'Eve Agent',
      membership: 'dynamic',
      paused: true,
      pausedReason: 'meeting',
      stateInterface: 'Custom:1005',
    });
    const report = await call(app, 'GET', `/api/v1/groups/${support.id}/drift`);
    expect(report.body).toMatchObject({ reason: 'reconnect', status: 'drift' });
    expect(report.body.drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'missing',
          interface: 'Local/1005@phones/n',
          action: 'add',
          outcome: 'applied',
        }),
        expect.objectContaining({
          kind: 'stale',
          interface: 'Local/1004@phones/n',
          action: 'remove',
          outcome: 'applied',
        }),
      ]),
    );
    // Frank's membership is gone: his removal was owed, not a drift
    const health = (await (await fetch(`${app.url}/health`)).json()) as {
      components: Record<string, Record<string, unknown>>;
    };
    expect(health.components.directory).toMatchObject({ owedRemovals: 0, pendingMemberships: 0 });
    expect((await call(app, 'GET', `/api/v1/groups/${support.id}/members/${eve.id}`)).body.syncState).toBe(
      'synced',
    );
  });

  it('reconciles: adds a member Asterisk lost, reports one it does not know, leaves queues.conf members alone', async () => {
    // behind the directory's back: Eve disappears, a stranger appears
    await gateway.action(pbxId, 'QueueRemove', { Queue: 'support', Interface: 'Local/1005@phones/n' });
    await gateway.action(pbxId, 'QueueAdd', {
      Queue: 'support',
      Interface: 'PJSIP/7777',
      MemberName: 'Stranger',
    });

    const res = await call(app, 'POST', `/api/v1/groups/${support.id}/reconcile`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      groupId: support.id,
      queue: 'support',
      status: 'drift',
      reason: 'manual',
      queueExists: true,
    });
    expect(res.body.drift).toEqual([
      expect.objectContaining({
        kind: 'missing',
        interface: 'Local/1005@phones/n',
        userId: eve.id,
        action: 'add',
        outcome: 'applied',
      }),
      expect.objectContaining({
        kind: 'unknown',
        interface: 'PJSIP/7777',
        memberName: 'Stranger',
        action: 'reported',
        outcome: 'not-sent',
      }),
    ]);
    expect(
      res.body.staticMembers.map((m: { memberName: string; membership: string }) => [
        m.memberName,
        m.membership,
      ]),
    ).toEqual([
      ['Alice Agent', 'static'],
      ['Bob Agent', 'static'],
    ]);
    const members = await queueStatus(gateway, pbxId, 'support');
    expect(members.find((m) => m.interface === 'Local/1005@phones/n')).toMatchObject({
      paused: true,
      pausedReason: 'meeting',
    });
    expect(members.map((m) => m.interface)).toContain('PJSIP/7777'); // reported, not removed (the default)
    expect(received(sim, 'QueueRemove').map((a) => a.interface)).not.toContain('PJSIP/7777');

    const metrics = await (await app.api('/metrics')).text();
    expect(metrics).toMatch(
      /switchboard_directory_drift_members\{pbx="default",queue="support",kind="unknown"\} 1/,
    );
    expect(metrics).toMatch(
      /switchboard_directory_queue_actions_total\{pbx="default",action="QueueAdd",outcome="applied"\} \d+/,
    );
    expect((await call(app, 'GET', `/api/v1/groups/${support.id}/drift`)).body.drift).toHaveLength(2);
  });

  it('reconciles again after a dropped link (a reconnect)', async () => {
    await gateway.action(pbxId, 'QueueRemove', { Queue: 'support', Interface: 'Local/1005@phones/n' });
    const before = (await call(app, 'GET', `/api/v1/groups/${support.id}/drift`)).body.checkedAt as string;
    sim.dropAll();
    await until('a reconciliation after the reconnect', async () => {
      const r = await call(app, 'GET', `/api/v1/groups/${support.id}/drift`);
      return r.body.checkedAt !== before && r.body.reason === 'reconnect' ? r : undefined;
    });
    expect((await queueStatus(gateway, pbxId, 'support')).map((m) => m.interface)).toContain(
      'Local/1005@phones/n',
    );
  });
});

describe('DIRECTORY_REMOVE_UNKNOWN_MEMBERS=true', () => {
  let sim: AmiSimulator;
  let app: TestApp;
  let gateway: AmiGatewayService;
  let pbxId: string;

  beforeAll(async () => {
    ({ sim, app, gateway, pbxId } = await startWithSimulator({ DIRECTORY_REMOVE_UNKNOWN_MEMBERS: 'true' }));
  });
  afterAll(async () => {
    await app?.stop();
    await sim?.stop();
  });

  it('removes dynamic members the directory does not know, never static ones', async () => {
    await gateway.action(pbxId, 'QueueAdd', {
      Queue: 'sales',
      Interface: 'PJSIP/8888',
      MemberName: 'Stranger',
    });
    const sales = (await call(app, 'POST', '/api/v1/groups', { name: 'Sales', queue: 'sales' })).body;
    const res = await call(app, 'POST', `/api/v1/groups/${sales.id}/reconcile`);
    expect(res.body.drift).toEqual([
      expect.objectContaining({
        kind: 'unknown',
        interface: 'PJSIP/8888',
        action: 'remove',
        outcome: 'applied',
      }),
    ]);
    expect(res.body.staticMembers.map((m: { memberName: string }) => m.memberName)).toEqual(['Carol Agent']);
    expect((await queueStatus(gateway, pbxId, 'sales')).map((m) => m.name)).toEqual(['Carol Agent']);
  });
});
