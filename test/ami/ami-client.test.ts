/**
 * AmiClient against the PBX simulator, real AMI over loopback TCP: login (plain, MD5, refused),
 * filters, actions and event lists, timeouts, originate, snapshot, the PBX going away and
 * coming back on the same port, keepalive, stop().
 */
import { join } from 'node:path';

import { header, headerList, type AmiMessage } from '../../src/protocol/ami/ami-message.js';
import {
  AmiClient,
  type AmiClientOptions,
  type AmiClientState,
} from '../../src/modules/ami/client/ami-client.js';
import { AmiErrorCode } from '../../src/modules/ami/client/ami-client.exception.js';
import { fetchSnapshot } from '../../src/modules/ami/client/ami-snapshot.js';
import { AmiSimulator, type AmiSimulatorOptions } from '../../src/simulator/ami-simulator.js';
import { TcpRelay } from './support/tcp-relay.js';
import { until } from '../support/until.js';
import { sleep, waitFor } from './support/wait.js';

const BUSY_HOUR = join(import.meta.dirname, '../fixtures/asterisk-22/busy-hour-24-calls.ami');

describe('AmiClient against the PBX simulator (loopback TCP)', () => {
  const sims: AmiSimulator[] = [];
  const clients: AmiClient[] = [];
  const relays: TcpRelay[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await Promise.all(sims.splice(0).map((s) => s.stop()));
  });

  async function startSim(options: AmiSimulatorOptions = {}): Promise<AmiSimulator> {
    const sim = new AmiSimulator({
      port: 0,
      autoplay: false,
      authFailDelayMs: 20,
      timeScale: 0.01,
      ...options,
    });
    await sim.start();
    sims.push(sim);
    return sim;
  }

  function newClient(port: number, extra: Partial<AmiClientOptions> = {}): AmiClient {
    const client = new AmiClient({
      name: 'pbx-sim',
      host: '127.0.0.1',
      port,
      username: 'crm',
      secret: 'labsecret',
      events: 'on',
      actionTimeoutMs: 3_000,
      pingIntervalMs: 0,
      reconnect: { initialDelayMs: 40, maxDelayMs: 320, factor: 2, jitter: 0.25 },
      ...extra,
    });
    clients.push(client);
    return client;
  }

  const actionNames = (sim: AmiSimulator): string[] =>
    sim.actionsReceived.map((a) => header(a, 'Action') ?? '');

  it('logs in, sends the filters, then emits ready; the filters hold on the wire', async () => {
    const sim = await startSim();
    const client = newClient(sim.port, { filters: ['!Event: Newexten', '!Event: VarSet'] });
    const states: AmiClientState[] = [];
    client.on('state', (s) => states.push(s));
    const events: AmiMessage[] = [];
    client.on('event', (e) => events.push(e));
    client.start();
    await waitFor(client, 'ready', 3_000);

    expect(states).toEqual(['connecting', 'authenticating', 'ready']);
    // events stay off until the filters are in place, so no unfiltered burst slips in between
    expect(actionNames(sim)).toEqual(['Login', 'Filter', 'Filter', 'Events', 'Ping']);
    const [login, f1, f2, eventsOn] = sim.actionsReceived;
    expect(header(login, 'Username')).toBe('crm');
    expect(header(login, 'Events')).toBe('off');
    expect([header(f1, 'Operation'), header(f1, 'Filter')]).toEqual(['Add', '!Event: Newexten']);
    expect(header(f2, 'Filter')).toBe('!Event: VarSet');
    expect(header(eventsOn, 'EventMask')).toBe('on');
    expect(client.stats).toMatchObject({ connects: 1, reconnects: 0, authFailures: 0 });
    expect(client.stats.connectedSince).toBeGreaterThan(0);

    sim.emitEvent({ Event: 'Newexten', Privilege: 'dialplan,all', Channel: 'Local/1001@phones-00000001;1' });
    sim.emitEvent({ Event: 'Hangup', Privilege: 'call,all', Channel: 'Local/1001@phones-00000001;1' });
    await until('Hangup event', () => events.some((e) => header(e, 'Event') === 'Hangup'), 2_000, 10);
    expect(events.map((e) => header(e, 'Event'))).not.toContain('Newexten');

    const pong = await client.action('Ping');
    expect(header(pong.response, 'Ping')).toBe('Pong');
  });

  it('md5 login: Challenge then Key; no Secret header is sent', async () => {
    const sim = await startSim();
    const client = newClient(sim.port, { authType: 'md5' });
    client.start();
    await waitFor(client, 'ready', 3_000);
    expect(actionNames(sim)).toEqual(['Challenge', 'Login']);
    const login = sim.actionsReceived[1];
    expect(header(login, 'AuthType')).toBe('MD5');
    expect(header(login, 'Key')).toMatch(/^[0-9a-f]{32}$/);
    expect(header(login, 'Secret')).toBeUndefined();
  });

  it('a refused login emits auth-failed and waits authFailureDelayMs: no retry storm', async () => {
    const sim = await startSim();
    let attempts = 0;
    sim.on('login', (_id: number, ok: boolean) => {
      if (!ok) attempts++;
    });
    const client = newClient(sim.port, { secret: 'wrong', authFailureDelayMs: 500 });
    const authFailed: string[] = [];
    client.on('auth-failed', (m) => authFailed.push(m));
    let ready = false;
    client.on('ready', () => (ready = true));
    client.start();

    await waitFor(client, 'auth-failed', 2_000);
    await expect(client.action('Ping')).rejects.toMatchObject({
      code: AmiErrorCode.NOT_CONNECTED,
      pbx: 'pbx-sim',
    });
    await sleep(1_300);
    // 0 ms, ~520 ms, ~1040 ms: three attempts in 1.3 s (a tight loop would make hundreds)
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(3);
    expect(authFailed).toEqual(Array(attempts).fill('Authentication failed'));
    expect(ready).toBe(false);
    expect(client.stats.authFailures).toBe(attempts);
    expect(client.stats.lastError).toBe('authentication failed: Authentication failed');
    expect(client.stats.connects).toBe(0);
  });

  it('collects the QueueStatus event list with its members', async () => {
    const sim = await startSim();
    const client = newClient(sim.port);
    client.start();
    await waitFor(client, 'ready', 3_000);
    const events: AmiMessage[] = [];
    client.on('event', (e) => events.push(e));

    const qs = await client.action('QueueStatus');
    expect(header(qs.response, 'EventList')).toBe('start');
    const members = qs.events
      .filter((e) => header(e, 'Event') === 'QueueMember')
      .map((e) => `${header(e, 'Queue')}:${header(e, 'Name')}`);
    expect(members).toEqual(
      expect.arrayContaining(['support:Alice Agent', 'support:Bob Agent', 'sales:Carol Agent']),
    );
    expect(
      qs.events.filter((e) => header(e, 'Event') === 'QueueParams').map((e) => header(e, 'Queue')),
    ).toEqual(expect.arrayContaining(['support', 'sales']));
    expect(qs.events.every((e) => header(e, 'ActionID') === qs.actionId)).toBe(true);
    expect(header(qs.complete!, 'Event')).toBe('QueueStatusComplete');
    expect(header(qs.complete!, 'ListItems')).toBe(String(qs.events.length));
    // list items are the action's result, not events for consumers
    expect(events.filter((e) => header(e, 'ActionID') === qs.actionId)).toEqual([]);
  });

  it('returns Command output lines, and rejects Response: Error with ACTION_FAILED and the Message', async () => {
    const sim = await startSim();
    const client = newClient(sim.port);
    client.start();
    await waitFor(client, 'ready', 3_000);

    const uptime = await client.action('Command', { Command: 'core show uptime' });
    const lines = headerList(uptime.response, 'Output');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toMatch(/^System uptime: /);

    await expect(
      client.action('QueueRemove', { Queue: 'support', Interface: 'Local/1009@phones/n' }),
    ).rejects.toMatchObject({
      code: AmiErrorCode.ACTION_FAILED,
      action: 'QueueRemove',
      amiMessage: 'Unable to remove interface: Not there',
    });
    await expect(client.action('NoSuchAction')).rejects.toMatchObject({
      code: AmiErrorCode.ACTION_FAILED,
      amiMessage: expect.stringMatching(/^Invalid\/unknown command: NoSuchAction/),
    });
  });

  it('originate is always Async; the later OriginateResponse is an ordinary event with the same ActionID', async () => {
    const sim = await startSim();
    const client = newClient(sim.port);
    client.start();
    await waitFor(client, 'ready', 3_000);
    const events: AmiMessage[] = [];
    client.on('event', (e) => events.push(e));

    const result = await client.originate({
      Channel: 'Local/1001@phones',
      Context: 'outbound',
      Exten: '84951112233',
      Priority: 1,
      CallerID: 'Alice Agent <1001>',
      Variable: ['CRM_COMM_EVENT=ce-42'],
      async: 'false', // overridden, whatever the case of the key
    });
    expect(header(result.response, 'Response')).toBe('Success');
    const sent = sim.actionsReceived.find((a) => header(a, 'Action') === 'Originate')!;
    expect(headerList(sent, 'Async')).toEqual(['true']);
    expect(header(sent, 'ActionID')).toBe(result.actionId);

    await until(
      'OriginateResponse',
      () => events.some((e) => header(e, 'Event') === 'OriginateResponse'),
      5_000,
      10,
    );
    const originateResponse = events.find((e) => header(e, 'Event') === 'OriginateResponse')!;
    expect(header(originateResponse, 'ActionID')).toBe(result.actionId);
  });

  it('fetchSnapshot returns the queue status, channels and extension states', async () => {
    const sim = await startSim();
    const client = newClient(sim.port);
    client.start();
    await waitFor(client, 'ready', 3_000);
    const snapshot = await fetchSnapshot(client);
    expect(
      snapshot.queueStatus.filter((e) => header(e, 'Event') === 'QueueMember').length,
    ).toBeGreaterThanOrEqual(3);
    expect(Array.isArray(snapshot.channels)).toBe(true);
    expect(Array.isArray(snapshot.extensionStates)).toBe(true);
    expect(actionNames(sim).slice(-3).sort()).toEqual([
      'CoreShowChannels',
      'ExtensionStateList',
      'QueueStatus',
    ]);
    // not ready: rejects at once, nothing hangs
    await client.stop();
    await expect(fetchSnapshot(client)).rejects.toMatchObject({ code: AmiErrorCode.STOPPED });
  });

  it('an unanswered action times out; its late list is swallowed and the session stays usable', async () => {
    const sim = await startSim();
    const relay = new TcpRelay(sim.port);
    relays.push(relay);
    const client = newClient(await relay.start());
    client.start();
    await waitFor(client, 'ready', 3_000);
    const events: AmiMessage[] = [];
    client.on('event', (e) => events.push(e));
    const downs: string[] = [];
    client.on('down', (r) => downs.push(r));

    relay.hold(); // the PBX answers, but nothing reaches the client
    const t0 = Date.now();
    const late = client.action('QueueStatus', {}, { timeoutMs: 300 });
    await expect(late).rejects.toMatchObject({ code: AmiErrorCode.TIMEOUT, action: 'QueueStatus' });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_500);
    expect(client.pendingActions).toBe(0);

    relay.release();
    const pong = await client.action('Ping');
    expect(header(pong.response, 'Ping')).toBe('Pong');
    expect(
      events.filter((e) =>
        ['QueueMember', 'QueueParams', 'QueueStatusComplete'].includes(header(e, 'Event')!),
      ),
    ).toEqual([]);
    expect(downs).toEqual([]);
    expect(client.state).toBe('ready');
  });

  it('keepalive: a PBX that goes silent is declared dead, pending actions reject LINK_DOWN, and the client comes back', async () => {
    const sim = await startSim();
    const relay = new TcpRelay(sim.port);
    relays.push(relay);
    const client = newClient(await relay.start(), { pingIntervalMs: 100, pongTimeoutMs: 300 });
    client.start();
    await waitFor(client, 'ready', 3_000);
    await sleep(400); // a few Pings answered
    expect(client.state).toBe('ready');

    relay.hold();
    const pending = client.action('QueueSummary', {}, { timeoutMs: 10_000 });
    const [reason] = await waitFor<[string]>(client, 'down', 2_000);
    expect(reason).toMatch(/^keepalive: no reply to Ping within 300 ms/);
    await expect(pending).rejects.toMatchObject({ code: AmiErrorCode.LINK_DOWN, action: 'QueueSummary' });
    await waitFor(client, 'ready', 3_000); // a new connection through the relay
    expect(relay.connections).toBe(2);
    expect(client.stats.connects).toBe(2);
  });

  it('the PBX killed mid-stream and restarted on the same port: LINK_DOWN for all pending, backoff, ready again, events again', async () => {
    const sim = await startSim({ trace: BUSY_HOUR, speed: 'realtime', autoplay: true });
    const port = sim.port;
    const client = newClient(port, {
      reconnect: { initialDelayMs: 40, maxDelayMs: 320, factor: 2, jitter: 0.25, resetAfterMs: 60_000 },
    });
    const events: AmiMessage[] = [];
    client.on('event', (e) => events.push(e));
    const downs: string[] = [];
    let downAt = 0;
    client.on('down', (r) => {
      downs.push(r);
      downAt = Date.now();
    });
    const connecting: number[] = [];
    client.on('state', (s) => {
      if (s === 'connecting') connecting.push(Date.now());
    });
    client.start();
    await waitFor(client, 'ready', 3_000);
    await until('30 replayed events', () => events.length >= 30, 5_000, 10);

    const inFlight = [
      ...Array.from({ length: 5 }, () => client.action('QueueStatus')),
      ...Array.from({ length: 5 }, () => client.action('Ping')),
    ];
    await sim.stop(); // mid-stream: the replay is still running
    sims.splice(sims.indexOf(sim), 1);

    const settled = await Promise.race([
      Promise.allSettled(inFlight),
      sleep(2_000).then(() => 'hung' as const),
    ]);
    expect(settled).not.toBe('hung');
    // the simulator cut the sockets before reading them: every one of the ten must fail, none hang
    const outcomes = settled as PromiseSettledResult<unknown>[];
    expect(outcomes.map((o) => o.status)).toEqual(Array(10).fill('rejected'));
    for (const o of outcomes) {
      expect((o as PromiseRejectedResult).reason).toMatchObject({
        code: AmiErrorCode.LINK_DOWN,
        pbx: 'pbx-sim',
      });
    }
    expect(downs).toHaveLength(1);
    expect(client.pendingActions).toBe(0);

    await sleep(700); // connection refused, again and again, further apart each time
    expect(['backoff', 'connecting']).toContain(client.state);
    // from the drop to the first retry, then between retries
    const retries = connecting.slice(1);
    const gaps = retries.map((t, i) => t - (i === 0 ? downAt : retries[i - 1]));
    // attempt k waits base_k = min(40 * 2^k, 320) ms, minus up to 25 % jitter
    const bases = [40, 80, 160, 320];
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    gaps.slice(0, 4).forEach((gap, k) => {
      expect(gap).toBeGreaterThanOrEqual(bases[k] * 0.75 - 5);
      expect(gap).toBeLessThanOrEqual(bases[k] + 80);
    });

    const sim2 = await startSim({ port });
    await waitFor(client, 'ready', 2_000);
    expect(client.stats.connects).toBe(2);
    expect(client.stats.reconnects).toBe(connecting.length - 1);

    const before = events.length;
    sim2.emitEvent({ Event: 'UserEvent', Privilege: 'user,all', UserEvent: 'back-again' });
    await until('an event after the restart', () => events.length > before, 2_000, 10);
    expect(header(events[events.length - 1], 'UserEvent')).toBe('back-again');
    const pong = await client.action('Ping');
    expect(header(pong.response, 'Ping')).toBe('Pong');
  }, 20_000);

  it('stop(): pending actions reject STOPPED, Logoff is sent, no reconnect follows', async () => {
    const sim = await startSim();
    let logins = 0;
    sim.on('login', () => logins++);
    const client = newClient(sim.port);
    client.start();
    await waitFor(client, 'ready', 3_000);

    const pending = client.action('QueueStatus');
    const stopped = client.stop();
    await expect(pending).rejects.toMatchObject({ code: AmiErrorCode.STOPPED });
    await stopped;
    expect(client.state).toBe('stopped');
    expect(actionNames(sim)).toContain('Logoff');
    await expect(client.action('Ping')).rejects.toMatchObject({ code: AmiErrorCode.STOPPED });
    await sleep(300);
    expect(logins).toBe(1);
    expect(sim.sessionCount).toBe(0);
  });
});
