import pg from 'pg';
import { header } from '../../src/protocol/ami/ami-message.js';
import { AppConfig } from '../../src/config/app-config.js';
import {
  CallPlayer,
  call,
  connected,
  type OperatorLab,
  recorder,
  type Recorder,
  signToken,
  startOperatorLab,
  until,
} from './operator-test-kit.js';

const PgClient = pg.Client;

/**
 * The operator gateway end to end: the whole app, the PBX simulator over loopback TCP playing the
 * recorded Asterisk 22 calls, and socket.io-client connections as a browser makes them.
 */
describe('Operator gateway (/operator) against the PBX simulator', () => {
  let lab: OperatorLab;
  let queueCall: CallPlayer;
  let abandoned: CallPlayer;
  const open: Recorder[] = [];
  let pass = 0;

  const as = (token: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) => {
    const r = recorder(lab.app.url, { token, ...extra }, { headers });
    open.push(r);
    return r;
  };
  const originates = () =>
    lab.sim.actionsReceived.filter((a) => header(a, 'action')?.toLowerCase() === 'originate');
  /** The recorded queue call's CommEvent (its caller's number), once it is complete. */
  const completedQueueCall = (linkedid: string) =>
    until('the call recorded complete', async () => {
      const list = await call(lab.app, 'GET', `/api/v1/comm-events?number=%2B79161234567&limit=20`);
      return (list.body.items as Record<string, unknown>[]).find(
        (i) => i.linkedid === linkedid && i.status === 'complete',
      );
    });

  beforeAll(async () => {
    lab = await startOperatorLab({ OPERATOR_ORIGINS: 'https://crm.example.com' });
    queueCall = await CallPlayer.load(lab.sim, 'inbound-queue-answered.ami');
    abandoned = await CallPlayer.load(lab.sim, 'inbound-queue-abandoned.ami');
  });
  afterEach(() => {
    for (const r of open.splice(0)) r.close();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  describe('handshake', () => {
    const refusedWith = async (r: Recorder) => {
      const err = (await connected(r).then(
        () => undefined,
        (e: Error & { data?: unknown }) => e,
      )) as (Error & { data?: { code: string; message: string } }) | undefined;
      expect(err).toBeDefined();
      return err!.data!;
    };

    it('refuses a missing, forged or expired token with a clear connect_error', async () => {
      expect(await refusedWith(recorder(lab.app.url, {}))).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'Missing token: connect with auth: { token } from POST /api/v1/auth/token',
      });
      const forged = signToken(lab.alice.id, 600, 'not-the-secret-0123456789abcdef0123456789');
      expect(await refusedWith(as(forged))).toEqual({ code: 'UNAUTHENTICATED', message: 'Invalid token' });
      expect(await refusedWith(as(signToken(lab.alice.id, -5)))).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'Token expired',
      });
      expect(await refusedWith(as('sbk_test-admin-key-0123456789abcdef'))).toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    });

    it('never takes a token from the URL', async () => {
      const r = recorder(lab.app.url, {}, { query: { token: lab.alice.token } });
      open.push(r);
      expect(await refusedWith(r)).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'The token goes in the handshake auth payload, never in the URL',
      });
    });

    it('refuses a page from an origin that is not allowed; accepts its own and the configured ones', async () => {
      expect(await refusedWith(as(lab.alice.token, {}, { origin: 'https://evil.example' }))).toEqual({
        code: 'FORBIDDEN',
        message: 'Origin https://evil.example is not allowed to connect (OPERATOR_ORIGINS)',
      });
      await connected(as(lab.alice.token, {}, { origin: 'https://crm.example.com' }));
      await connected(as(lab.alice.token, {}, { origin: lab.app.url }));
    });

    it('ends a live connection when its token expires, unless refreshed', async () => {
      const short = as(signToken(lab.bob.id, 2));
      await connected(short);
      const refreshed = as(signToken(lab.bob.id, 2));
      await connected(refreshed);
      const ack = await refreshed.command('auth:refresh', { token: signToken(lab.bob.id, 600) });
      expect(ack).toMatchObject({ ok: true });
      const reason = await new Promise<string>((resolve) => short.socket.on('disconnect', resolve));
      expect(reason).toBe('io server disconnect');
      expect(short.events.find((e) => e.name === 'session:expired')?.event).toMatchObject({
        code: 'TOKEN_EXPIRED',
      });
      expect(refreshed.socket.connected).toBe(true);
    });

    it('with OPERATOR_UNIQUE_SESSION, a new connection of the same user takes over', async () => {
      const config = lab.app.app.get(AppConfig);
      config.operator.uniqueSession = true;
      try {
        const first = as(lab.carol.token);
        await connected(first);
        const gone = new Promise<string>((resolve) => first.socket.on('disconnect', resolve));
        const second = as(lab.carol.token);
        await connected(second);
        expect(await gone).toBe('io server disconnect');
        expect(first.events.find((e) => e.name === 'session:replaced')?.event).toMatchObject({
          code: 'SESSION_REPLACED',
        });
        expect(second.socket.connected).toBe(true);
      } finally {
        config.operator.uniqueSession = false;
      }
    });

    it('caps message size and the command rate', async () => {
      const r = as(lab.carol.token);
      await connected(r);
      const acks = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          r.command('agent:unpause', { idempotencyKey: `rate-${i}-0000` }),
        ),
      );
      expect(
        acks.filter((a) => (a as { error?: { code: string } }).error?.code === 'RATE_LIMITED').length,
      ).toBeGreaterThan(0);
      const closed = new Promise<string>((resolve) => r.socket.on('disconnect', resolve));
      r.socket.emit(
        'call:dial',
        { idempotencyKey: 'big-00000000', number: '1'.repeat(20_000) },
        () => undefined,
      );
      expect(await closed).toMatch(/transport (close|error)|parse error/);
    });
  });

  describe('events', () => {
    it('pops the call up only on the screens whose phone rings, with the contact; the other popup closes', async () => {
      const alice = as(lab.alice.token);
      const bob = as(lab.bob.token);
      const carol = as(lab.carol.token);
      const sue = as(lab.sue.token);
      await Promise.all([alice, bob, carol, sue].map(connected));
      for (const r of [alice, bob, carol, sue]) await r.waitFor('snapshot');
      const linkedid = queueCall.linkedid(++pass);
      const callId = `${lab.pbxId}:${linkedid}`;
      queueCall.play(pass)();

      const offered = await alice.waitFor('call:offered', (e) => e.callId === callId);
      expect(offered).toMatchObject({
        callId,
        callerNumber: '+79161234567',
        did: '74951234567',
        queue: 'support',
        extension: '1001',
        contacts: [
          {
            displayName: 'Ivan Petrov',
            company: 'Petrov & Sons',
            profileUrl: 'https://crm.example/party/ivan-1',
            responsibleUserId: lab.alice.id,
          },
        ],
      });
      expect(typeof offered.seq).toBe('number');
      await bob.waitFor('call:offered', (e) => e.callId === callId && e.extension === '1002');
      // Alice took it (as recorded): Bob's popup closes, Alice and her supervisor see it answered.
      expect(await bob.waitFor('call:retracted', (e) => e.callId === callId)).toMatchObject({
        reason: 'answered-elsewhere',
        answeredBy: { extension: '1001' },
      });
      await alice.waitFor('call:answered', (e) => e.callId === callId);
      await sue.waitFor('call:answered', (e) => e.callId === callId && e.userId === lab.alice.id);
      const ended = await alice.waitFor('call:ended', (e) => e.callId === callId);
      expect(ended).toMatchObject({
        outcome: 'answered',
        direction: 'inbound',
        userId: lab.alice.id,
        recorded: true,
      });
      expect(ended.commEventId).toMatch(/^[0-9a-f-]{36}$/);
      // Carol (sales) and Sue (supervisor, no phone) never learn of the call's offer.
      expect(carol.of('call:offered')).toEqual([]);
      expect(sue.of('call:offered')).toEqual([]);
      expect(carol.events.filter((e) => String(e.event?.callId ?? '') === callId)).toEqual([]);
      // Seqs of one connection increase strictly.
      const seqs = alice.events.map((e) => e.event.seq).filter((s) => typeof s === 'number') as number[];
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
    });

    it("a popup lists the caller's last calls, the one that ended a moment ago first", async () => {
      const alice = as(lab.alice.token);
      await connected(alice);
      await alice.waitFor('snapshot');
      const first = queueCall.linkedid(++pass);
      queueCall.play(pass)();
      const earlier = await completedQueueCall(first);
      const second = queueCall.linkedid(++pass);
      queueCall.play(pass)();
      const offered = await alice.waitFor('call:offered', (e) => e.callId === `${lab.pbxId}:${second}`);
      expect(offered.previousCalls[0]).toEqual({
        commEventId: earlier.id,
        startedAt: earlier.startedAt,
        direction: 'inbound',
        outcome: 'answered',
        agentName: earlier.agentName,
        talkSeconds: earlier.talkSeconds,
      });
      expect(offered.previousCalls.length).toBeLessThanOrEqual(5);
      expect(offered.previousCalls.every((c) => c.outcome !== null)).toBe(true);
    });

    it('resumes after a dropped connection: what happened meanwhile arrives, nothing is lost or repeated', async () => {
      const bob = as(lab.bob.token);
      await connected(bob);
      await bob.waitFor('snapshot');
      const before = bob.lastSeq()!;
      bob.socket.io.engine.close(); // the network drops
      await until('disconnected', () => !bob.socket.connected);
      const linkedid = queueCall.linkedid(++pass);
      const callId = `${lab.pbxId}:${linkedid}`;
      queueCall.play(pass)();
      await completedQueueCall(linkedid);
      const again = as(lab.bob.token, { lastSeq: before });
      await connected(again);
      const retracted = await again.waitFor('call:retracted', (e) => e.callId === callId);
      const offered = again.of('call:offered').find((e) => e.callId === callId)!;
      expect(offered.seq).toBeLessThan(retracted.seq);
      expect(again.of('snapshot')).toEqual([]); // a replay, not a snapshot
      const seqs = again.events.map((e) => e.event.seq as number);
      expect(seqs[0]).toBe(before + 1);
      expect(seqs).toEqual(seqs.map((_, i) => before + 1 + i)); // contiguous: nothing lost, nothing twice
    });

    it('sends a snapshot when the client has no position, or one this server never issued', async () => {
      const r = as(lab.alice.token, { lastSeq: Number.MAX_SAFE_INTEGER - 1 });
      await connected(r);
      const snap = await r.waitFor('snapshot');
      expect(snap).toMatchObject({
        gap: true,
        agent: {
          userId: lab.alice.id,
          extension: '1001',
          memberships: [{ group: 'Support', queue: 'support', loggedIn: true, paused: false }],
        },
      });
    });

    it("queue figures reach the queue's members and no one else", async () => {
      const alice = as(lab.alice.token);
      const bob = as(lab.bob.token);
      const carol = as(lab.carol.token);
      await Promise.all([alice, bob, carol].map(connected));
      await Promise.all([alice, bob, carol].map((r) => r.waitFor('snapshot')));
      const rest = queueCall.play(++pass, (name) => name === 'QueueCallerJoin'); // a caller waits
      const waiting = await Promise.all(
        [alice, bob].map((r) => r.waitFor('queue:stats', (q) => q.queue === 'support' && q.waiting === 1)),
      );
      for (const q of waiting) expect(q.oldestWaitingSince).toEqual(expect.any(String));
      rest();
      await Promise.all(
        [alice, bob].map((r) => r.waitFor('queue:stats', (q) => q.queue === 'support' && q.waiting === 0)),
      );
      expect(carol.of('queue:stats').filter((q) => q.queue === 'support')).toEqual([]);
      const metrics = await (await lab.app.api('/metrics')).text();
      expect(metrics).toMatch(/^switchboard_operator_room_backlog \d+$/m);
    });

    it("a snapshot lists the call the operator is on, and nobody else's", async () => {
      const linkedid = queueCall.linkedid(++pass);
      const callId = `${lab.pbxId}:${linkedid}`;
      const rest = queueCall.play(pass, (name) => name === 'AgentConnect'); // Alice answers, the call goes on
      try {
        const alice = as(lab.alice.token);
        const bob = as(lab.bob.token);
        await Promise.all([alice, bob].map(connected));
        const [mine, bobs] = await Promise.all([alice, bob].map((r) => r.waitFor('snapshot')));
        expect(mine.calls).toEqual([
          expect.objectContaining({ callId, extension: '1001', userId: lab.alice.id }),
        ]);
        expect(bobs.calls).toEqual([]);
      } finally {
        rest();
      }
    });

    it('turns an abandoned call from a known contact into a call-back task for the group, closed by a call back', async () => {
      const bob = as(lab.bob.token);
      await connected(bob);
      await bob.waitFor('snapshot');
      const linkedid = abandoned.linkedid(++pass);
      abandoned.play(pass)();
      const task = await bob.waitFor('callback:created', (e) => e.callId.endsWith(linkedid));
      expect(task).toMatchObject({
        status: 'open',
        number: '89031112233',
        contactName: 'Olga Smirnova',
        assigneeUserId: null,
        groupId: lab.support.id,
        reason: 'abandoned',
      });
      const listed = await call(lab.app, 'GET', '/api/v1/callbacks?status=open', undefined, lab.bob);
      expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(task.id);
      expect((await call(lab.app, 'GET', '/api/v1/callbacks', undefined, lab.carol)).body.items).toEqual([]);
      // Bob calls her back from the console: the task closes when the call is answered.
      const ack = await bob.command('call:dial', {
        idempotencyKey: `cb-${linkedid}`,
        number: '8 903 111-22-33',
      });
      expect(ack).toMatchObject({ ok: true, state: 'pending' });
      const closed = await bob.waitFor('callback:closed', (e) => e.id === task.id, 20_000);
      expect(closed).toMatchObject({ status: 'closed', closedReason: 'called-back' });
    });
  });

  describe('commands', () => {
    it('call:dial with the same idempotency key twice places one Originate; progress follows it', async () => {
      const alice = as(lab.alice.token);
      await connected(alice);
      const before = originates().length;
      const cmd = { idempotencyKey: 'dial-once-0001', number: '8 (495) 111-22-33' };
      const [a, b] = await Promise.all([alice.command('call:dial', cmd), alice.command('call:dial', cmd)]);
      const c = await alice.command('call:dial', cmd);
      expect(a).toMatchObject({ ok: true, state: 'pending', number: '84951112233' });
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      expect(originates().length).toBe(before + 1);
      const sent = originates().at(-1)!;
      expect(sent.headers).toMatchObject({
        channel: 'Local/1001@phones/n',
        context: 'outbound',
        exten: '84951112233',
        async: 'true',
      });
      const dialId = (a as { dialId: string }).dialId;
      const done = await alice.waitFor(
        'dial:progress',
        (e) => e.dialId === dialId && (e.state === 'answered' || e.state === 'failed'),
        20_000,
      );
      expect(done.state).toBe('answered');
      const states = alice
        .of('dial:progress')
        .filter((e) => e.dialId === dialId)
        .map((e) => e.state);
      expect(states).toEqual(['ringing-agent', 'ringing-customer', 'answered']);
      expect(alice.of('call:offered')).toEqual([]); // her own click-to-call is not a popup
      // The same key for another command is refused.
      expect(await alice.command('call:dial', { ...cmd, number: '84950000000' })).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT' },
      });
    });

    it('surfaces an error with Asterisk’s own message', async () => {
      const alice = as(lab.alice.token);
      await connected(alice);
      expect(await alice.command('call:dial', { idempotencyKey: 'dial-bad-0001', number: '*123#' })).toEqual({
        ok: false,
        error: {
          code: 'PBX_REJECTED',
          message: 'Extension does not exist.',
          details: [{ field: 'asterisk', message: 'Extension does not exist.' }],
        },
      });
    });

    it('validates commands like the REST API does', async () => {
      const alice = as(lab.alice.token);
      await connected(alice);
      const bad = await alice.command<{ ok: boolean; error: { code: string; details: { field: string }[] } }>(
        'call:answer',
        { callId: 'x', extra: 1 },
      );
      expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      expect(new Set(bad.error.details.map((d) => d.field))).toEqual(
        new Set(['extra', 'callId', 'idempotencyKey']),
      );
      expect(await alice.command('call:answer', 'nope')).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
    });

    it('call:answer: the first operator wins (Redirect of the queue caller to her phone), the other popup closes', async () => {
      const alice = as(lab.alice.token);
      const bob = as(lab.bob.token);
      await Promise.all([alice, bob].map(connected));
      await Promise.all([alice, bob].map((r) => r.waitFor('snapshot')));
      const linkedid = queueCall.linkedid(++pass);
      const callId = `${lab.pbxId}:${linkedid}`;
      let agentCalls = 0;
      const rest = queueCall.play(pass, (name) => name === 'AgentCalled' && ++agentCalls === 2);
      await alice.waitFor('call:offered', (e) => e.callId === callId);
      await bob.waitFor('call:offered', (e) => e.callId === callId);
      const [bobAck, aliceAck] = await Promise.all([
        bob.command('call:answer', { idempotencyKey: `ans-b-${linkedid}`, callId }),
        alice.command('call:answer', { idempotencyKey: `ans-a-${linkedid}`, callId }),
      ]);
      const winner = (bobAck as { ok: boolean }).ok
        ? { ack: bobAck, ext: '1002', loser: alice }
        : { ack: aliceAck, ext: '1001', loser: bob };
      expect(winner.ack).toEqual({ ok: true, callId, extension: winner.ext });
      const loserAck = winner.loser === alice ? aliceAck : bobAck;
      expect(loserAck).toMatchObject({
        ok: false,
        error: { code: expect.stringMatching(/CONFLICT|NOT_FOUND/) },
      });
      const redirect = lab.sim.actionsReceived
        .filter((a) => header(a, 'action')?.toLowerCase() === 'redirect')
        .at(-1)!;
      expect(redirect.headers).toMatchObject({ context: 'phones', exten: winner.ext, priority: '1' });
      expect(redirect.headers.channel).toMatch(/^Local\/74951234567@incoming-[0-9a-f]{8};2$/);
      expect(await winner.loser.waitFor('call:retracted', (e) => e.callId === callId)).toMatchObject({
        reason: 'answered-elsewhere',
      });
      rest();
    });

    it('call:transfer redirects the other party; call:hangup hangs it up; both only for a call the operator is on', async () => {
      const alice = as(lab.alice.token);
      const bob = as(lab.bob.token);
      await Promise.all([alice, bob].map(connected));
      await Promise.all([alice, bob].map((r) => r.waitFor('snapshot')));
      const linkedid = queueCall.linkedid(++pass);
      const callId = `${lab.pbxId}:${linkedid}`;
      const call = queueCall.cursor(pass);
      call.until((name) => name === 'AgentConnect'); // Alice took it, as recorded
      await alice.waitFor('call:answered', (e) => e.callId === callId);
      // Bob is not on this call: the same answer as for a call that does not exist.
      expect(
        await bob.command('call:transfer', { idempotencyKey: `tr-b-${linkedid}`, callId, to: '1003' }),
      ).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      const ack = await alice.command('call:transfer', {
        idempotencyKey: `tr-a-${linkedid}`,
        callId,
        to: '1003',
      });
      expect(ack).toEqual({ ok: true, callId, to: '1003' });
      const redirect = lab.sim.actionsReceived
        .filter((a) => header(a, 'action')?.toLowerCase() === 'redirect')
        .at(-1)!;
      expect(redirect.headers).toMatchObject({ context: 'phones', exten: '1003', priority: '1' });
      expect(redirect.headers.channel).toMatch(/^Local\/74951234567@incoming-[0-9a-f]{8};2$/);
      const outside = await alice.command('call:transfer', {
        idempotencyKey: `tr-x-${linkedid}`,
        callId,
        to: '8 495 111-22-33',
      });
      expect(outside).toMatchObject({ ok: true, to: '84951112233' });
      expect(
        lab.sim.actionsReceived.filter((a) => header(a, 'action')?.toLowerCase() === 'redirect').at(-1)!
          .headers,
      ).toMatchObject({
        context: 'outbound',
        exten: '84951112233',
      });
      const hung = await alice.command('call:hangup', { idempotencyKey: `hu-a-${linkedid}`, callId });
      expect(hung).toEqual({ ok: true, callId });
      expect(
        lab.sim.actionsReceived.filter((a) => header(a, 'action')?.toLowerCase() === 'hangup').at(-1)!
          .headers,
      ).toMatchObject({
        channel: redirect.headers.channel,
      });
      call.until();
    });

    it('RECORD_OUT_CALLS: the click-to-call is recorded once the operator’s phone answers (MixMonitor)', async () => {
      const config = lab.app.app.get(AppConfig);
      config.operator.recordOutCalls = true;
      try {
        const carol = as(lab.carol.token);
        await connected(carol);
        const ack = await carol.command<{ ok: boolean; dialId: string }>('call:dial', {
          idempotencyKey: 'dial-rec-0001',
          number: '84951112233',
        });
        expect(ack.ok).toBe(true);
        const originate = originates().at(-1)!;
        expect(originate.headers.variable).toEqual(
          expect.arrayContaining(['CRM_RECORD=1', `CRM_DIAL_ID=${ack.dialId}`]),
        );
        const mix = await until('MixMonitor', () =>
          lab.sim.actionsReceived.find((a) => header(a, 'action')?.toLowerCase() === 'mixmonitor'),
        );
        expect(mix.headers).toMatchObject({ options: 'b' });
        expect(mix.headers.channel).toMatch(/^Local\/1003@phones-[0-9a-f]{8};1$/);
        const answered = await carol.waitFor(
          'dial:progress',
          (e) => e.dialId === ack.dialId && e.state === 'answered',
          20_000,
        );
        // The PBX said where it records (VarSet MIXMONITOR_FILENAME): once the call ends (the
        // simulator plays the recorded click-to-call to its hang-up), the CommEvent keeps it.
        const callId = answered.callId!;
        const linkedid = callId.slice(callId.lastIndexOf(':') + 1);
        const record = await until('the CommEvent of the recorded click-to-call', async () => {
          const res = await call(lab.app, 'GET', '/api/v1/comm-events?number=84951112233&limit=50');
          const items = (
            res.body as { items: { linkedid: string; status: string; recordingUrl: string | null }[] }
          ).items;
          return items.find((i) => i.linkedid === linkedid && i.status === 'complete');
        });
        expect(record.recordingUrl).toMatch(/\/api\/v1\/comm-events\/[0-9a-f-]{36}\/recording$/);
        const pg = new PgClient({ connectionString: lab.app.databaseUrl });
        await pg.connect();
        try {
          const { rows } = await pg.query('SELECT recording_path FROM comm_events WHERE linkedid = $1', [
            linkedid,
          ]);
          expect(rows).toEqual([{ recording_path: `/var/spool/asterisk/monitor/${linkedid}-out.wav` }]);
        } finally {
          await pg.end();
        }
      } finally {
        config.operator.recordOutCalls = false;
      }
    });

    it('REST: click-to-call for an operator with the CRM’s service key, idempotent by header', async () => {
      const key = (await call(lab.app, 'POST', '/api/v1/api-keys', { name: 'crm', role: 'service' })).body
        .key as string;
      const before = originates().length;
      const post = () =>
        call(
          lab.app,
          'POST',
          '/api/v1/calls',
          { userId: lab.carol.id, number: '84951112233' },
          {
            'x-api-key': key,
            'idempotency-key': 'crm-req-000001',
          },
        );
      const [one, two] = [await post(), await post()];
      expect(one.status).toBe(202);
      expect(two.body).toEqual(one.body);
      expect(originates().length).toBe(before + 1);
      expect(originates().at(-1)!.headers).toMatchObject({ channel: 'Local/1003@phones/n' });
      const noUser = await call(
        lab.app,
        'POST',
        '/api/v1/calls',
        { number: '84951112233' },
        { 'x-api-key': key },
      );
      expect(noUser.status).toBe(400);
      const otherUser = await call(
        lab.app,
        'POST',
        '/api/v1/calls',
        { userId: lab.alice.id, number: '1' },
        lab.carol,
      );
      expect(otherUser.status).toBe(400);
      const forOther = await call(
        lab.app,
        'POST',
        '/api/v1/calls',
        { userId: lab.alice.id, number: '84951112233' },
        lab.carol,
      );
      expect(forOther.status).toBe(403);
      expect((await call(lab.app, 'POST', '/api/v1/calls/not-a-call/hangup', {}, lab.carol)).status).toBe(
        400,
      );
      expect(
        (await call(lab.app, 'POST', `/api/v1/calls/${lab.pbxId}:1.1/hangup`, {}, lab.carol)).status,
      ).toBe(404);
    });

    it('agent:pause and agent:unpause go through the directory (Asterisk QueuePause, agent:status)', async () => {
      const bob = as(lab.bob.token);
      await connected(bob);
      const paused = await bob.command<{ ok: boolean; agent: { paused: boolean; pausedReason: string } }>(
        'agent:pause',
        {
          idempotencyKey: 'pause-bob-0001',
          reason: 'lunch',
        },
      );
      expect(paused).toMatchObject({ ok: true, agent: { paused: true, pausedReason: 'lunch' } });
      const qp = lab.sim.actionsReceived
        .filter((a) => header(a, 'action')?.toLowerCase() === 'queuepause')
        .at(-1)!;
      expect(qp.headers).toMatchObject({ interface: 'Local/1002@phones/n', paused: 'true', reason: 'lunch' });
      await bob.waitFor('agent:status', (e) => e.paused && e.pausedReason === 'lunch');
      const unpaused = await bob.command('agent:unpause', { idempotencyKey: 'unpause-bob-0001' });
      expect(unpaused).toMatchObject({ ok: true, agent: { paused: false } });
    });
  });
});
