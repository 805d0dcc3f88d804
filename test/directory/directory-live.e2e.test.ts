import { AmiSimulator } from '../../src/simulator/ami-simulator.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

interface Member {
  userId: string;
  paused: boolean;
  live: {
    interface: string;
    status: string;
    paused: boolean;
    pausedReason: string | null;
    callsTaken: number;
  } | null;
}

/** The directory's member list joined with the live model of the real call tracker inside the app. */
describe('live agent state in GET /api/v1/groups/:id/members (directory + calls tracker + simulator)', () => {
  let sim: AmiSimulator;
  let app: TestApp;

  beforeAll(async () => {
    sim = new AmiSimulator({ port: 0 });
    const port = await sim.start();
    app = await startTestApp({
      AMI_HOST: '127.0.0.1',
      AMI_PORT: String(port),
      AMI_USERNAME: 'crm',
      AMI_SECRET: 'labsecret',
    });
  });
  afterAll(async () => {
    await app?.stop();
    await sim?.stop();
  });

  it('shows what Asterisk says of the member, and follows a pause with its reason', async () => {
    const post = async (path: string, json: unknown) =>
      (await app.api(path, { method: 'POST', json })).json() as Promise<{ id: string }>;
    const alice = await post('/api/v1/users', { displayName: 'Alice Agent', role: 'operator' });
    await post('/api/v1/peers', {
      userId: alice.id,
      extension: '1001',
      dialInterface: 'Local/1001@phones/n',
    });
    const group = await post('/api/v1/groups', { name: 'Support', queue: 'support' });
    await post(`/api/v1/groups/${group.id}/members`, { userId: alice.id });
    const members = async () =>
      (
        (await (await app.api(`/api/v1/groups/${group.id}/members`)).json()) as { items: Member[] }
      ).items.find((m) => m.userId === alice.id)!;

    // The join goes through the member's interface, known once she is logged in with a phone.
    // Alice is a member of `support` in the lab's queues.conf: the tracker knows her from the
    // QueueStatus snapshot taken when the link came up.
    expect(
      (await app.api(`/api/v1/groups/${group.id}/members/${alice.id}/login`, { method: 'POST' })).status,
    ).toBe(200);
    const before = await until('the live state', async () =>
      (await members()).live ? await members() : undefined,
    );
    expect(before).toMatchObject({
      interface: 'Local/1001@phones/n',
      live: { status: 'not_in_use', paused: false, callsTaken: expect.any(Number) },
    });

    const paused = await app.api(`/api/v1/groups/${group.id}/members/${alice.id}/pause`, {
      method: 'POST',
      json: { reason: 'lunch' },
    });
    expect(paused.status).toBe(200);
    // the directory's own flag, and the live model fed by Asterisk's QueueMemberPause event
    const after = await until('the pause in the live model', async () => {
      const m = await members();
      return m.live?.paused ? m : undefined;
    });
    expect(after.paused).toBe(true);
    expect(after.live).toMatchObject({ paused: true, pausedReason: 'lunch' });
  });
});
