import {
  type CallOffered,
  type CallRetracted,
  type ConnectionState,
  OperatorClient,
  OperatorCommandError,
  type OperatorEvent,
  SEQUENCED_EVENTS,
} from '../../src/client/operator-client.js';
import { header } from '../../src/protocol/ami/ami-message.js';
import { CallPlayer, type OperatorLab, signToken, startOperatorLab, until } from './operator-test-kit.js';

/** The typed client as a CRM front end embeds it, against the whole app and the PBX simulator. */
describe('OperatorClient (typed client)', () => {
  let lab: OperatorLab;
  let queueCall: CallPlayer;
  const clients: OperatorClient[] = [];
  let pass = 100;

  const client = (token: string | (() => Promise<string>), lastSeq?: number) => {
    const c = new OperatorClient({ url: lab.app.url, token, lastSeq, socket: { transports: ['websocket'] } });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    lab = await startOperatorLab();
    queueCall = await CallPlayer.load(lab.sim, 'inbound-queue-answered.ami');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('gets a snapshot, then popups and retractions in seq order; reconnects by itself and misses nothing', async () => {
    const bob = client(lab.bob.token);
    const seen: { name: string; seq: number; callId?: string }[] = [];
    const record = (name: string) => (e: OperatorEvent) =>
      seen.push({ name, seq: e.seq, callId: (e as { callId?: string }).callId });
    for (const name of SEQUENCED_EVENTS) bob.on(name, record(name));
    await until('snapshot', () => seen.find((s) => s.name === 'snapshot'));

    // Two calls: one while connected, one while the network is down.
    const first = `${lab.pbxId}:${queueCall.linkedid(++pass)}`;
    queueCall.play(pass)();
    await until('first retracted', () => seen.find((s) => s.name === 'call:retracted' && s.callId === first));
    bob.socket.io.engine.close();
    await until('disconnected', () => !bob.connected);
    const second = `${lab.pbxId}:${queueCall.linkedid(++pass)}`;
    queueCall.play(pass)();
    await until(
      'reconnected and caught up',
      () => seen.find((s) => s.name === 'call:retracted' && s.callId === second),
      20_000,
    );

    const calls = seen.filter((s) => s.name.startsWith('call:'));
    expect(calls.map((s) => [s.name, s.callId])).toEqual([
      ['call:offered', first],
      ['call:retracted', first],
      ['call:offered', second],
      ['call:retracted', second],
    ]);
    const seqs = seen.filter((s) => s.name !== 'snapshot').map((s) => s.seq);
    const start = seen[0].seq;
    expect(seqs).toEqual(seqs.map((_, i) => start + 1 + i)); // each once, in order, none missing
    expect(bob.lastSeq).toBe(seqs.at(-1));
  });

  it('commands resolve with their result or reject with the server’s code and Asterisk’s message', async () => {
    const alice = client(lab.alice.token);
    await until('connected', () => alice.connected);
    const progress: string[] = [];
    alice.on('dial:progress', (p) => progress.push(p.state));
    const before = lab.sim.actionsReceived.filter((a) => header(a, 'action') === 'Originate').length;
    const dial = await alice.dial('8 495 111-22-33');
    expect(dial).toMatchObject({ state: 'pending', number: '84951112233', callId: null });
    expect(lab.sim.actionsReceived.filter((a) => header(a, 'action') === 'Originate').length).toBe(
      before + 1,
    );
    await until('answered', () => progress.includes('answered'), 20_000);
    const err = await alice.dial('*99#').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OperatorCommandError);
    expect(err).toMatchObject({ code: 'PBX_REJECTED', message: 'Extension does not exist.' });
    await expect(alice.answer(`${lab.pbxId}:1.1`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('asks its token provider again after the token expired, and resumes', async () => {
    let issued = 0;
    const states: ConnectionState['state'][] = [];
    const carol = client(async () => signToken(lab.carol.id, ++issued === 1 ? 2 : 600));
    carol.onConnection((s) => states.push(s.state));
    const offers: CallOffered[] = [];
    const retractions: CallRetracted[] = [];
    carol.on('call:offered', (o) => offers.push(o));
    carol.on('call:retracted', (r) => retractions.push(r));
    await until('connected twice', () => states.filter((s) => s === 'connected').length >= 2, 10_000);
    expect(states).toEqual(expect.arrayContaining(['connected', 'ended', 'disconnected']));
    expect(issued).toBeGreaterThanOrEqual(2);
    expect(carol.connected).toBe(true);
  });

  it('a fixed token that is refused is reported once, not retried', async () => {
    const states: ConnectionState[] = [];
    const c = client(signToken(lab.alice.id, -1));
    c.onConnection((s) => states.push(s));
    await until('refused', () => states.length > 0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(states).toEqual([
      { state: 'refused', error: { code: 'UNAUTHENTICATED', message: 'Token expired' } },
    ]);
  });
});
