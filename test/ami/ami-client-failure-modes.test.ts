/**
 * AmiClient against a scripted TCP peer, for what a well-behaved PBX simulator does not do:
 * a link that goes silent, MD5 challenge login checked byte for byte, a peer that stops
 * reading, an event flood against a slow consumer.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { header } from '../../src/protocol/ami/ami-message.js';
import { AmiClient, type AmiClientOptions } from '../../src/modules/ami/client/ami-client.js';
import { AmiError, AmiErrorCode } from '../../src/modules/ami/client/ami-client.exception.js';
import { goodbye, loginThen, ScriptedAmiServer } from './support/scripted-ami-server.js';
import { until } from '../support/until.js';
import { sleep, waitFor } from './support/wait.js';

const SECRET = 'labsecret';

describe('AmiClient failure modes (scripted peer over loopback TCP)', () => {
  let server: ScriptedAmiServer | undefined;
  let client: AmiClient | undefined;

  afterEach(async () => {
    await client?.stop();
    await server?.stop();
    client = undefined;
    server = undefined;
  });

  function newClient(port: number, extra: Partial<AmiClientOptions> = {}): AmiClient {
    client = new AmiClient({
      name: 'pbx-scripted',
      host: '127.0.0.1',
      port,
      username: 'crm',
      secret: SECRET,
      events: 'on',
      actionTimeoutMs: 5_000,
      pingIntervalMs: 0,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      ...extra,
    });
    return client;
  }

  it('keepalive: Pings answered keep the link; a link gone silent is declared dead, pending actions reject LINK_DOWN, the client reconnects', async () => {
    let silent = false;
    let pongs = 0;
    server = new ScriptedAmiServer(
      loginThen((session, action) => {
        if (silent || header(action, 'Action') !== 'Ping') return; // nothing else is ever answered
        pongs++;
        session.reply(action, { Ping: 'Pong', Timestamp: '1795381041.232185' });
      }),
    );
    const port = await server.start();
    const c = newClient(port, { pingIntervalMs: 100, pongTimeoutMs: 250 });
    const downs: string[] = [];
    c.on('down', (reason) => downs.push(reason));
    c.start();
    await waitFor(c, 'ready', 2_000);

    await sleep(700);
    expect(downs).toEqual([]);
    expect(pongs).toBeGreaterThanOrEqual(3);

    silent = true;
    const unanswered = c.action('QueueStatus', {}, { timeoutMs: 10_000 });
    const t0 = Date.now();
    const [reason] = await waitFor<[string]>(c, 'down', 2_000);
    const elapsed = Date.now() - t0;
    expect(reason).toMatch(/keepalive: no reply to Ping within 250 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(1_500);
    await expect(unanswered).rejects.toMatchObject({
      code: AmiErrorCode.LINK_DOWN,
      pbx: 'pbx-scripted',
      action: 'QueueStatus',
    });

    silent = false;
    await waitFor(c, 'ready', 2_000);
    expect(server.connections).toBe(2);
    expect(c.stats).toMatchObject({ connects: 2, reconnects: 1 });
  });

  it('md5 login: Challenge, then Key = md5(challenge + secret); the secret never crosses the wire', async () => {
    const challenge = '840404123';
    server = new ScriptedAmiServer((session, action) => {
      const name = header(action, 'Action');
      if (name === 'Challenge') {
        expect(header(action, 'AuthType')).toBe('MD5');
        session.reply(action, { Challenge: challenge });
      } else if (name === 'Logoff') {
        goodbye(session, action);
      } else if (name === 'Login') {
        const expected = createHash('md5')
          .update(challenge + SECRET)
          .digest('hex');
        const good =
          header(action, 'AuthType') === 'MD5' &&
          header(action, 'Key') === expected &&
          header(action, 'Username') === 'crm';
        session.reply(
          action,
          good
            ? { Message: 'Authentication accepted' }
            : { Response: 'Error', Message: 'Authentication failed' },
        );
      }
    });
    const port = await server.start();
    const c = newClient(port, { authType: 'md5', events: 'call,agent' });
    const failures: string[] = [];
    c.on('auth-failed', (m) => failures.push(m));
    c.start();
    await waitFor(c, 'ready', 2_000);
    expect(failures).toEqual([]);
    const login = server.sessions[0].actions.find((a) => header(a, 'Action') === 'Login')!;
    expect(header(login, 'Events')).toBe('call,agent');
    expect(header(login, 'Secret')).toBeUndefined();
    expect(server.sessions[0].received).not.toContain(SECRET);
  });

  it('an Events action Asterisk leaves unanswered (broken_events_action) does not block the login', async () => {
    server = new ScriptedAmiServer(
      loginThen((session, action) => {
        const name = header(action, 'Action');
        if (name === 'Filter') session.reply(action, { Message: 'Success' });
        if (name === 'Ping') session.reply(action, { Ping: 'Pong', Timestamp: '1795381041.232185' });
        // Events: no response at all, as manager.c with broken_events_action = yes and an all-classes mask
      }),
    );
    const port = await server.start();
    const c = newClient(port, { filters: ['!Event: VarSet'], actionTimeoutMs: 5_000 });
    c.start();
    const t0 = Date.now();
    await waitFor(c, 'ready', 2_000);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(server.sessions[0].actions.map((a) => header(a, 'Action'))).toEqual([
      'Login',
      'Filter',
      'Events',
      'Ping',
    ]);
    expect(c.pendingActions).toBe(0);
  });

  it('back-pressure: a peer that stops reading fills a bounded write queue (TOO_MANY_PENDING), then everything queued is delivered in order', async () => {
    server = new ScriptedAmiServer(
      loginThen((session, action) => session.reply(action, { Message: `ok ${header(action, 'Seq')}` })),
    );
    const port = await server.start();
    const c = newClient(port, {
      maxWriteQueueBytes: 64 * 1024,
      maxPendingActions: 100_000,
      actionTimeoutMs: 15_000,
    });
    c.start();
    await waitFor(c, 'ready', 2_000);
    const peer = server.sessions[0].socket;
    peer.pause();

    const filler = 'x'.repeat(1000);
    const accepted: Array<Promise<string | undefined>> = [];
    let full: AmiError | undefined;
    for (let seq = 0; seq < 2_000 && !full; seq++) {
      let rejection: unknown;
      const tracked = c
        .action('UserEvent', { UserEvent: 'fill', Seq: seq, Variable: Array(16).fill(filler) })
        .then(
          (r) => header(r.response, 'Message'),
          (e: unknown) => {
            rejection = e;
            return undefined;
          },
        );
      await null; // a full write queue rejects at once: let that rejection land
      if (rejection instanceof AmiError) full = rejection;
      else accepted.push(tracked);
    }
    expect(full).toBeDefined();
    expect(full!.code).toBe(AmiErrorCode.TOO_MANY_PENDING);
    expect(full!.message).toMatch(/write queue full/);
    expect(accepted.length).toBeGreaterThan(10);
    process.stdout.write(`back-pressure: ${accepted.length} actions accepted before the queue was full\n`);

    peer.resume();
    const messages = await Promise.all(accepted);
    expect(messages).toEqual(accepted.map((_, seq) => `ok ${seq}`));
    expect(c.pendingActions).toBe(0);
  }, 30_000);

  it('an event flood against a slow consumer is delivered in full without blocking the event loop', async () => {
    const recording = readFileSync(
      join(import.meta.dirname, '../fixtures/asterisk-22/busy-hour-24-calls.ami'),
    );
    const afterBanner = recording.subarray(recording.indexOf('\n') + 1);
    const copies = 2;
    server = new ScriptedAmiServer(loginThen(() => undefined));
    const port = await server.start();
    const c = newClient(port);
    let events = 0;
    c.on('event', () => {
      events++;
      const until = performance.now() + 0.1; // a consumer that spends 0.1 ms per event
      while (performance.now() < until);
    });
    c.start();
    await waitFor(c, 'ready', 2_000);

    let maxGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 2);
    try {
      for (let i = 0; i < copies; i++) server.sessions[0].write(afterBanner);
      await until('all events', () => events >= 2856 * copies, 20_000, 10);
    } finally {
      clearInterval(ticker);
    }
    expect(events).toBe(2856 * copies);
    expect(c.stats.eventsReceived).toBe(2856 * copies);
    // ~570 ms of listener time in all; without the time budget one turn took ~290 ms here
    process.stdout.write(`flood: maxGap ${maxGap.toFixed(1)} ms\n`);
    expect(maxGap).toBeLessThan(120);
  }, 30_000);
});
