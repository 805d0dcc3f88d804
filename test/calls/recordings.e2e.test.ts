/**
 * Recording download and who may see which calls: two recorded calls (Alice's queue call and
 * Carol's direct call) replayed through the simulator, agents known to the directory as peers,
 * files under RECORDINGS_DIR. Range requests, traversal attempts, operators and a supervisor.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { CommEventsRepository } from '../../src/modules/calls/comm-events/comm-events.repository.js';
import { AmiSimulator } from '../../src/simulator/ami-simulator.js';
import { addPbx, type CallsApp, completeCalls, FIXTURES, startCallsApp, until } from './support/calls-app.js';

describe('recordings and scoping (HTTP, real PostgreSQL, the simulator)', () => {
  const base = mkdtempSync(join(tmpdir(), 'switchboard-rec-'));
  const recordings = join(base, 'recordings');
  mkdirSync(recordings);
  const aliceAudio = randomBytes(1000);
  const carolAudio = randomBytes(3000);
  writeFileSync(join(recordings, '1795380887.1.wav'), aliceAudio);
  writeFileSync(join(recordings, '1795381061.21.wav'), carolAudio);
  // a file next to RECORDINGS_DIR that a traversal would reach, and a symlink leading to it
  writeFileSync(join(base, 'secret.wav'), 'not yours');
  symlinkSync(join(base, 'secret.wav'), join(recordings, 'link.wav'));

  let app: CallsApp & { dropDatabase(): Promise<void> };
  let sim: AmiSimulator;
  let pbxId: string;
  const users: Record<'alice' | 'carol' | 'sam', { id: string; token: string }> = {} as never;
  let aliceCall: { id: string; recordingUrl: string | null };
  let carolCall: { id: string; recordingUrl: string | null };

  const as = (who: keyof typeof users) => ({ authorization: `Bearer ${users[who].token}` });
  const post = async (path: string, json: unknown) => {
    const res = await app.api(path, { method: 'POST', json });
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; token: string };
  };

  beforeAll(async () => {
    app = await startCallsApp({ env: { RECORDINGS_DIR: recordings } });
    for (const [who, name, role] of [
      ['alice', 'Alice Agent', 'operator'],
      ['carol', 'Carol Agent', 'operator'],
      ['sam', 'Sam Supervisor', 'supervisor'],
    ] as const) {
      const { id } = await post('/api/v1/users', { displayName: name, role, externalRef: `crm-${who}` });
      const { token } = await post('/api/v1/auth/token', { userId: id });
      users[who] = { id, token };
    }
    sim = new AmiSimulator({
      port: 0,
      trace: [join(FIXTURES, 'inbound-queue-answered.ami'), join(FIXTURES, 'agi-routed-direct.ami')],
      speed: 'max',
      autoplay: false,
    });
    pbxId = await addPbx(app, 'lab', await sim.start());
    await post('/api/v1/peers', {
      userId: users.alice.id,
      pbxId,
      extension: '1001',
      dialInterface: 'Local/1001@phones/n',
    });
    await post('/api/v1/peers', {
      userId: users.carol.id,
      pbxId,
      extension: '1003',
      dialInterface: 'Local/1003@phones/n',
    });
    const group = await post('/api/v1/groups', { name: 'Support', pbxId, queue: 'support' });
    await post(`/api/v1/groups/${group.id}/members`, { userId: users.alice.id });
    await post(`/api/v1/groups/${group.id}/members`, { userId: users.sam.id, role: 'supervisor' });
    await until('the AMI link', async () => {
      const h = (await (await fetch(`${app.url}/health`)).json()) as {
        components: Record<string, { status: string }>;
      };
      return h.components['ami:lab']?.status === 'up';
    });
    await sim.play();
    const rows = await completeCalls(app, pbxId, 2);
    aliceCall = rows.find((r) => r.agentExtension === '1001')!;
    carolCall = rows.find((r) => r.agentExtension === '1003')!;
  });
  afterAll(async () => {
    await app?.close();
    await app?.dropDatabase();
    await sim?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('knows who took each call from the directory', async () => {
    const rows = await app.commEvents();
    expect(rows.find((r) => r.id === aliceCall.id)?.agentUserId).toBe(users.alice.id);
    expect(rows.find((r) => r.id === carolCall.id)?.agentUserId).toBe(users.carol.id);
  });

  it('streams the whole file with Accept-Ranges', async () => {
    const res = await app.api(aliceCall.recordingUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('content-length')).toBe('1000');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(aliceAudio);
  });

  it.each([
    ['bytes=0-99', 'bytes 0-99/3000', [0, 100]],
    ['bytes=2900-', 'bytes 2900-2999/3000', [2900, 3000]],
    ['bytes=-100', 'bytes 2900-2999/3000', [2900, 3000]],
    ['bytes=1000-4999', 'bytes 1000-2999/3000', [1000, 3000]],
  ] as const)('answers %s with 206 and %s', async (range, contentRange, [from, to]) => {
    const res = await app.api(carolCall.recordingUrl!, { headers: { range } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(contentRange);
    expect(res.headers.get('content-length')).toBe(String(to - from));
    expect(Buffer.from(await res.arrayBuffer())).toEqual(carolAudio.subarray(from, to));
  });

  it('answers a range past the end with 416 and the size', async () => {
    const res = await app.api(carolCall.recordingUrl!, { headers: { range: 'bytes=3000-' } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */3000');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RANGE_NOT_SATISFIABLE');
  });

  it('lets an operator list and fetch only the calls they took', async () => {
    const mine = await app.commEvents('', as('alice'));
    expect(mine.map((r) => r.id)).toEqual([aliceCall.id]);
    expect((await app.api(aliceCall.recordingUrl!, { headers: as('alice') })).status).toBe(200);
    const other = await app.api(carolCall.recordingUrl!, { headers: as('alice') });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect((await app.api(`/api/v1/comm-events/${carolCall.id}`, { headers: as('alice') })).status).toBe(403);
    // filtering on someone else does not widen the scope
    expect(await app.commEvents(`userId=${users.carol.id}`, as('alice'))).toEqual([]);
  });

  it("lets a supervisor see their group's calls and not the others", async () => {
    const seen = await app.commEvents('', as('sam'));
    expect(seen.map((r) => r.id)).toEqual([aliceCall.id]);
    expect((await app.api(aliceCall.recordingUrl!, { headers: as('sam') })).status).toBe(200);
    expect((await app.api(carolCall.recordingUrl!, { headers: as('sam') })).status).toBe(403);
  });

  describe('stored paths that lead out of RECORDINGS_DIR are refused', () => {
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      const repo = app.app.get(CommEventsRepository);
      const paths = {
        traversal: '/var/spool/asterisk/monitor/../secret.wav',
        deepTraversal: '/var/spool/asterisk/monitor/../../../../etc/passwd',
        absolute: join(base, 'secret.wav'),
        relative: '../secret.wav',
        symlink: '/var/spool/asterisk/monitor/link.wav',
        missing: '/var/spool/asterisk/monitor/gone.wav',
      };
      const now = new Date();
      await repo.upsert(
        Object.values(paths).map((recordingPath) => ({
          pbxId,
          linkedid: `t-${randomUUID()}`,
          direction: 'inbound' as const,
          status: 'complete' as const,
          outcome: 'answered' as const,
          fromNumber: '+79160000099',
          fromE164: '+79160000099',
          fromName: null,
          toNumber: null,
          toE164: null,
          queue: null,
          agentUserId: null,
          agentExtension: null,
          agentName: null,
          contactId: null,
          startedAt: now,
          answeredAt: now,
          endedAt: now,
          waitSeconds: 0,
          talkSeconds: 0,
          hangupCause: 16,
          hangupCauseText: 'Normal Clearing',
          recordingPath,
          transfers: [],
          legs: [],
          legsDropped: 0,
          variables: {},
          originateActionId: null,
          note: null,
        })),
      );
      const rows = (await app.app
        .get(DataSource)
        .query(`SELECT id, recording_path AS "recordingPath" FROM comm_events WHERE pbx_id = $1`, [
          pbxId,
        ])) as {
        id: string;
        recordingPath: string;
      }[];
      for (const [name, path] of Object.entries(paths))
        ids[name] = rows.find((r) => r.recordingPath === path)!.id;
    });

    it.each(['traversal', 'deepTraversal', 'absolute', 'relative', 'symlink'])(
      '%s: 403, nothing served',
      async (name) => {
        const res = await app.api(`/api/v1/comm-events/${ids[name]}/recording`);
        expect(res.status).toBe(403);
        expect(await res.text()).not.toContain('not yours');
      },
    );

    it('a missing file: 404', async () => {
      expect((await app.api(`/api/v1/comm-events/${ids.missing}/recording`)).status).toBe(404);
    });

    it('a call without a recording, or no such call: 404', async () => {
      const abandoned = await app.api(`/api/v1/comm-events/${randomUUID()}/recording`);
      expect(abandoned.status).toBe(404);
      expect((await app.api('/api/v1/comm-events/not-a-uuid/recording')).status).toBe(400);
    });
  });
});
