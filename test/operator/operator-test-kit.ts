import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import type { OperatorEvent, SequencedEventName } from '../../src/client/operator-protocol.js';
import { AmiGatewayService } from '../../src/modules/ami/ami-gateway.service.js';
import { OperatorPorts } from '../../src/modules/operator/ports/operator-ports.service.js';
import { header } from '../../src/protocol/ami/ami-message.js';
import { loadRecording, rewriteEvent, type AmiRecording } from '../../src/simulator/ami-recording.js';
import { AmiSimulator } from '../../src/simulator/ami-simulator.js';
import { repeatPlan } from '../../src/simulator/frame-rewriter.js';
import { call, type Person, person, until } from '../directory/directory-test-kit.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/test-app.js';

export { call, person, until, type Person };

export const FIXTURES = join(import.meta.dirname, '../fixtures/asterisk-22');

export interface OperatorLab {
  app: TestApp;
  sim: AmiSimulator;
  pbxId: string;
  alice: Person; // 1001, support
  bob: Person; // 1002, support
  carol: Person; // 1003, sales
  sue: Person; // supervisor of support, no phone
  support: { id: string };
  sales: { id: string };
  stop(): Promise<void>;
}

/**
 * The app against the PBX simulator (the lab's queues: support rings Alice 1001 and Bob 1002,
 * sales rings Carol 1003), with the directory set up as the lab: peers, groups with their DIDs,
 * members logged in, Sue supervising support. Contacts: Ivan Petrov +79161234567 (Alice is
 * responsible) and Olga Smirnova 89031112233 (the support group's: no responsible user).
 */
export async function startOperatorLab(env: Record<string, string> = {}): Promise<OperatorLab> {
  const port = await freePort();
  const sim = new AmiSimulator({ port, username: 'crm', secret: 'labsecret', timeScale: 0.2 });
  await sim.start();
  const app = await startTestApp({
    AMI_HOST: '127.0.0.1',
    AMI_PORT: String(port),
    AMI_USERNAME: 'crm',
    AMI_SECRET: 'labsecret',
    PARTY_PROFILE_URL: 'https://crm.example/party/{externalRef}',
    ...env,
  });
  const gateway = app.app.get(AmiGatewayService);
  const pbxId = ((await call(app, 'GET', '/api/v1/pbxes')).body as { id: string; name: string }[]).find(
    (p) => p.name === 'default',
  )!.id;
  await until('the AMI link', () => gateway.isReady(pbxId));
  const alice = await person(app, 'Alice Agent', 'operator');
  const bob = await person(app, 'Bob Agent', 'operator');
  const carol = await person(app, 'Carol Agent', 'operator');
  const sue = await person(app, 'Sue Supervisor', 'supervisor');
  for (const [who, ext] of [
    [alice, '1001'],
    [bob, '1002'],
    [carol, '1003'],
  ] as const) {
    const peer = await call(app, 'POST', '/api/v1/peers', {
      userId: who.id,
      extension: ext,
      dialInterface: `Local/${ext}@phones/n`,
      stateInterface: `Custom:${ext}`,
    });
    if (peer.status !== 201) throw new Error(`peer ${ext}: ${JSON.stringify(peer.body)}`);
  }
  const support = (
    await call(app, 'POST', '/api/v1/groups', { name: 'Support', queue: 'support', numbers: ['74951234567'] })
  ).body;
  const sales = (
    await call(app, 'POST', '/api/v1/groups', { name: 'Sales', queue: 'sales', numbers: ['74957770000'] })
  ).body;
  for (const [group, who, role] of [
    [support, sue, 'supervisor'],
    [support, alice, 'member'],
    [support, bob, 'member'],
    [sales, carol, 'member'],
  ] as const) {
    const m = await call(app, 'POST', `/api/v1/groups/${group.id}/members`, { userId: who.id, role });
    if (m.status !== 201) throw new Error(`member: ${JSON.stringify(m.body)}`);
    if (role === 'member') await call(app, 'POST', `/api/v1/groups/${group.id}/members/${who.id}/login`);
  }
  for (const contact of [
    {
      displayName: 'Ivan Petrov',
      company: 'Petrov & Sons',
      externalRef: 'ivan-1',
      responsibleUserId: alice.id,
      phones: [{ number: '+79161234567' }],
    },
    {
      displayName: 'Olga Smirnova',
      company: 'Smirnova LLC',
      externalRef: 'olga-2',
      phones: [{ number: '89031112233' }],
    },
  ]) {
    const c = await call(app, 'POST', '/api/v1/contacts', contact);
    if (c.status !== 201) throw new Error(`contact: ${JSON.stringify(c.body)}`);
  }
  // The calls module's extension -> user port keeps "no such phone" for a few seconds (phones were
  // looked up when the PBX listed its queues, before they existed): wait until it sees them.
  const ports = app.app.get(OperatorPorts);
  const phones = ['1001', '1002', '1003'].map((extension) => ({ pbxId, extension }));
  await until(
    'the directory to know the phones',
    async () => (await ports.directory.usersByExtension(phones)).size === 3,
  );
  return {
    app,
    sim,
    pbxId,
    alice,
    bob,
    carol,
    sue,
    support,
    sales,
    stop: async () => {
      await app.stop();
      await sim.stop();
    },
  };
}

/**
 * The supervisor's desk hands a phone over through `app`'s REST API: the owner logs off the group,
 * their peer is deleted, and the same extension and interfaces become the new owner's peer.
 */
export async function handPhoneOver(
  app: TestApp,
  move: { groupId: string; from: Person; to: Person; extension: string },
): Promise<void> {
  const { groupId, from, to, extension } = move;
  expect((await call(app, 'POST', `/api/v1/groups/${groupId}/members/${from.id}/logoff`)).status).toBe(200);
  const peers = await call(app, 'GET', `/api/v1/peers?userId=${from.id}`);
  const phone = (peers.body.items as { id: string; extension: string }[]).find(
    (p) => p.extension === extension,
  )!;
  expect((await call(app, 'DELETE', `/api/v1/peers/${phone.id}`)).status).toBe(204);
  const moved = await call(app, 'POST', '/api/v1/peers', {
    userId: to.id,
    extension,
    dialInterface: `Local/${extension}@phones/n`,
    stateInterface: `Custom:${extension}`,
  });
  expect(moved.status).toBe(201);
}

/** A user token signed like the app's, with any expiry (seconds from now; negative: expired). */
export function signToken(userId: string, expiresInSeconds: number, secret = TEST_JWT_SECRET): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ typ: 'access', sub: userId, iat: now, exp: now + expiresInSeconds })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export interface Received {
  name: string;
  event: OperatorEvent & Record<string, unknown>;
}

/** A raw Socket.IO client on /operator that records every event (no typed client in the way). */
export interface Recorder {
  socket: Socket;
  events: Received[];
  of<K extends SequencedEventName>(name: K): (OperatorEvent<K> & Record<string, unknown>)[];
  lastSeq(): number | undefined;
  waitFor<K extends SequencedEventName>(
    name: K,
    pred?: (e: OperatorEvent<K>) => boolean,
    ms?: number,
  ): Promise<OperatorEvent<K>>;
  command<T = Record<string, unknown>>(name: string, payload: unknown): Promise<T>;
  close(): void;
}

export function recorder(
  url: string,
  auth: Record<string, unknown> | ((cb: (a: object) => void) => void),
  opts: { headers?: Record<string, string>; autoConnect?: boolean; query?: Record<string, string> } = {},
): Recorder {
  const socket = io(`${url}/operator`, {
    auth: auth as never,
    transports: ['websocket'],
    extraHeaders: opts.headers,
    query: opts.query,
    reconnection: false,
    forceNew: true,
    autoConnect: opts.autoConnect ?? true,
  });
  const events: Received[] = [];
  socket.onAny((name: string, event: Received['event']) => events.push({ name, event }));
  const r: Recorder = {
    socket,
    events,
    of: (name) => events.filter((e) => e.name === name).map((e) => e.event) as never,
    lastSeq: () => [...events].reverse().find((e) => typeof e.event?.seq === 'number')?.event.seq,
    waitFor: (name, pred = () => true, ms = 15_000) =>
      until(`${name}`, () => r.of(name).find((e) => pred(e as never)) as never, ms),
    command: (name, payload) =>
      new Promise((resolve, reject) => {
        socket
          .timeout(10_000)
          .emit(name, payload, (err: Error | null, ack: unknown) =>
            err ? reject(err) : resolve(ack as never),
          );
      }),
    close: () => socket.close(),
  };
  return r;
}

/** Resolves on connect, rejects with the connect_error (its `data` carries `{ code, message }`). */
export function connected(r: Recorder): Promise<void> {
  return new Promise((resolve, reject) => {
    if (r.socket.connected) return resolve();
    r.socket.once('connect', () => resolve());
    r.socket.once('connect_error', (err) => reject(err));
  });
}

/**
 * Plays a recording through the simulator frame by frame with fresh ids (pass N shifts every
 * Uniqueid/Linkedid/channel suffix, as the simulator's `repeat` does), so that a test can play the
 * same call several times and stop part way: `until` ends the first part (inclusive); the returned
 * function plays the rest. Frames keep their exact text, so the gateway's event filters apply.
 */
export class CallPlayer {
  private constructor(
    private readonly sim: AmiSimulator,
    private readonly rec: AmiRecording,
  ) {}

  static async load(sim: AmiSimulator, file: string): Promise<CallPlayer> {
    return new CallPlayer(sim, await loadRecording(join(FIXTURES, file)));
  }

  /** The Linkedid the call gets in pass `pass`. */
  linkedid(pass: number): string {
    const first = this.rec.events.find((e) => header(e.msg, 'linkedid'))!;
    return header(rewriteEvent(first, repeatPlan(this.rec.ids, pass, 10_000)).msg, 'linkedid')!;
  }

  /** The frames of pass `pass`, as the simulator will send them. */
  frames(pass: number): string[] {
    const plan = repeatPlan(this.rec.ids, pass, 10_000);
    return this.rec.events.map((e) => rewriteEvent(e, plan).text);
  }

  /** Plays up to `until` (inclusive; all without it) and answers a function that plays the rest. */
  play(pass: number, until?: (eventName: string, text: string) => boolean): () => void {
    const cursor = this.cursor(pass);
    cursor.until(until);
    return () => cursor.until();
  }

  /** Plays the call in steps: each `until` plays up to the next frame matching (inclusive), or to the end. */
  cursor(pass: number): { until(pred?: (eventName: string, text: string) => boolean): void } {
    const frames = this.frames(pass);
    let i = 0;
    const emit = (text: string) => {
      const fields: Record<string, string> = {};
      for (const line of text.split('\r\n')) {
        const colon = line.indexOf(': ');
        if (colon > 0 && !(line.slice(0, colon) in fields))
          fields[line.slice(0, colon)] = line.slice(colon + 2);
      }
      this.sim.emitEvent(fields);
    };
    return {
      until: (pred) => {
        while (i < frames.length) {
          const text = frames[i++];
          emit(text);
          if (pred?.(/^Event: (\S+)/.exec(text)?.[1] ?? '', text)) return;
        }
      },
    };
  }
}
