import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { header, type AmiMessage } from '../../src/protocol/ami/ami-message.js';
import { AmiSimulator, type AmiSimulatorOptions } from '../../src/simulator/ami-simulator.js';
import { RawAmiClient } from './raw-ami-client.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'asterisk-22');
const fixture = (name: string): string => join(FIXTURES, name);
const ANSWERED = fixture('inbound-queue-answered.ami');
const BUSY_HOUR = fixture('busy-hour-24-calls.ami');

/** The recording's broadcast events, counted straight from the bytes (not through the simulator's code). */
function recordedEventFrames(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\r\n\r\n')
    .filter((f) => f.startsWith('Event: '))
    .filter((f) => !f.startsWith('Event: FullyBooted\r\n') && !f.startsWith('Event: SuccessfulAuth\r\n'));
}

/** Frames of queue-admin.ami answering one ActionID, byte for byte (response and its list items). */
function recordedResponse(actionId: string): string {
  const frame = readFileSync(fixture('queue-admin.ami'), 'utf8')
    .split('\r\n\r\n')
    .find((f) => f.startsWith('Response: ') && f.includes(`\r\nActionID: ${actionId}\r\n`));
  if (!frame) throw new Error(`no response ${actionId} in queue-admin.ami`);
  return `${frame}\r\n\r\n`;
}

const isReplayed = (m: AmiMessage): boolean =>
  m.type === 'event' && !['FullyBooted', 'SuccessfulAuth'].includes(header(m, 'event') ?? '');

describe('AmiSimulator (real TCP on 127.0.0.1)', () => {
  let sim: AmiSimulator | undefined;
  const clients: RawAmiClient[] = [];

  async function startSim(options: AmiSimulatorOptions = {}): Promise<number> {
    sim = new AmiSimulator({ port: 0, autoplay: false, authFailDelayMs: 20, ...options });
    return sim.start();
  }

  async function login(port: number, fields = {}): Promise<RawAmiClient> {
    const c = await RawAmiClient.login(port, fields);
    clients.push(c);
    return c;
  }

  async function connect(port: number): Promise<RawAmiClient> {
    const c = await RawAmiClient.connect(port);
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim?.stop();
    sim = undefined;
  });

  it('greets with the Asterisk 22 banner and accepts the lab login as Asterisk does', async () => {
    const port = await startSim();
    const c = await connect(port);
    c.send('Login', { Username: 'crm', Secret: 'labsecret' }, 'login-1');
    await c.waitFor((m) => header(m, 'event') === 'SuccessfulAuth');
    const text = c.text;
    expect(text.startsWith('Asterisk Call Manager/11.0.0\r\nResponse: Success\r\n')).toBe(true);
    expect(text).toContain(
      'Response: Success\r\nActionID: login-1\r\nMessage: Authentication accepted\r\n\r\n' +
        'Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 0\r\nLastReload: 0\r\nStatus: Fully Booted\r\n\r\n' +
        'Event: SuccessfulAuth\r\nPrivilege: security,all\r\n',
    );
    const auth = c.messages.find((m) => header(m, 'event') === 'SuccessfulAuth')!;
    expect(header(auth, 'accountid')).toBe('crm');
    expect(header(auth, 'remoteaddress')).toBe(`IPV4/TCP/127.0.0.1/${c.socket.localPort}`);
    expect(header(auth, 'localaddress')).toBe(`IPV4/TCP/127.0.0.1/${port}`);
  });

  it('answers a wrong secret with the bytes of login-failed.ami, then closes the connection', async () => {
    const port = await startSim();
    const c = await connect(port);
    c.send('Login', { Username: 'crm', Secret: 'wrong' }, 'login-1');
    await c.waitClosed(2000);
    expect(c.text).toBe(readFileSync(fixture('login-failed.ami'), 'utf8'));
  });

  it('refuses actions before login with Permission denied', async () => {
    const port = await startSim();
    const c = await connect(port);
    const res = await c.action('Ping', {}, 'early-1');
    expect(c.text).toContain('Response: Error\r\nActionID: early-1\r\nMessage: Permission denied\r\n\r\n');
    expect(header(res, 'response')).toBe('Error');
  });

  it('answers Ping with Pong and a Timestamp, echoing the ActionID', async () => {
    const port = await startSim();
    const c = await login(port);
    const pong = await c.action('Ping', {}, 'ping-1');
    expect(Object.keys(pong.headers)).toEqual(['response', 'actionid', 'ping', 'timestamp']);
    expect(header(pong, 'ping')).toBe('Pong');
    expect(header(pong, 'timestamp')).toMatch(/^\d{10}\.\d{6}$/);
    expect(Math.abs(Number(header(pong, 'timestamp')) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('sends the whole recording to an events-on session and nothing to an Events: off session', async () => {
    const expected = recordedEventFrames(ANSWERED);
    expect(expected).toHaveLength(163);
    const port = await startSim({ trace: ANSWERED, speed: 'max' });
    const quiet = await login(port, { Events: 'off' });
    const listener = await login(port);
    await sim!.play();

    const got = await listener.waitForCount(isReplayed, expected.length);
    // same events, same order, same bytes
    expect(got.map((m) => header(m, 'event'))).toEqual(expected.map((f) => /^Event: (.*)/.exec(f)![1]));
    const tail = listener.text.slice(listener.text.indexOf(expected[0]));
    expect(tail).toBe(expected.map((f) => `${f}\r\n\r\n`).join(''));

    // the quiet session still gets responses, and never an event
    const pong = await quiet.action('Ping', {}, 'ping-q');
    expect(header(pong, 'ping')).toBe('Pong');
    expect(quiet.events).toHaveLength(0);
    expect(quiet.messages.every((m) => m.type === 'response')).toBe(true);
  });

  it('starts the replay on its own when the first events-on session logs in (autoplay)', async () => {
    const port = await startSim({ trace: ANSWERED, autoplay: true });
    const c = await login(port);
    const got = await c.waitForCount(isReplayed, 163);
    expect(header(got[0], 'event')).toBe('Newchannel');
  });

  it('paces a realtime replay by the seconds the recording carries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-pace-'));
    try {
      const file = join(dir, 'pace.ami');
      const ch = (uid: string): string =>
        `Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/1001-0000000${uid.slice(-1)}\r\nUniqueid: ${uid}\r\nLinkedid: ${uid}\r\n\r\n`;
      writeFileSync(
        file,
        `Asterisk Call Manager/11.0.0\r\n${ch('1795390000.0')}Event: VarSet\r\nPrivilege: dialplan,all\r\nVariable: A\r\nValue: 1\r\n\r\n${ch('1795390001.1')}`,
      );
      const port = await startSim({ trace: file, speed: 'realtime' });
      const c = await login(port);
      const played = sim!.play();
      const arrival = async (uid: string): Promise<number> => {
        await c.waitFor((m) => header(m, 'uniqueid') === uid, 3000);
        return Date.now();
      };
      const t0 = await arrival('1795390000.0');
      const t1 = await arrival('1795390001.1');
      await played;
      expect(t1 - t0).toBeGreaterThanOrEqual(850);
      expect(t1 - t0).toBeLessThan(2000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stop() ends a realtime replay at once, without waiting for the next recorded second', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-stop-'));
    try {
      // two channels ten seconds apart
      const file = join(dir, 'gap.ami');
      const ch = (uid: string): string =>
        `Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/1-0000000${uid.slice(-1)}\r\nUniqueid: ${uid}\r\n\r\n`;
      writeFileSync(file, ch('1795390000.0') + ch('1795390010.1'));
      const port = await startSim({ trace: file, speed: 'realtime' });
      const c = await login(port);
      const played = sim!.play();
      await c.waitFor((m) => header(m, 'event') === 'Newchannel');
      const t0 = Date.now();
      await sim!.stop();
      await played;
      expect(Date.now() - t0).toBeLessThan(1000);
      await c.waitClosed();
      expect(c.events.filter((m) => header(m, 'event') === 'Newchannel')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Events: off and an event mask change what a logged-in session receives', async () => {
    const port = await startSim();
    const c = await login(port);
    const off = await c.action('Events', { EventMask: 'off' }, 'ev-1');
    expect(header(off, 'events')).toBe('Off');
    sim!.emitEvent({ Event: 'UserEvent', Privilege: 'user,all', UserEvent: 'one' });
    const on = await c.action('Events', { EventMask: 'call' }, 'ev-2');
    expect(header(on, 'events')).toBe('On');
    sim!.emitEvent({ Event: 'UserEvent', Privilege: 'user,all', UserEvent: 'two' });
    sim!.emitEvent({ Event: 'Newstate', Privilege: 'call,all', Channel: 'PJSIP/1-00000001' });
    await c.action('Ping', {}, 'ping-e');
    expect(
      c.events
        .filter((m) => header(m, 'event') !== 'FullyBooted' && header(m, 'event') !== 'SuccessfulAuth')
        .map((m) => header(m, 'event')),
    ).toEqual(['Newstate']);
  });

  it('repeat 2 sends the recording twice as two distinct sets of calls', async () => {
    const port = await startSim({ trace: ANSWERED, repeat: 2 });
    const c = await login(port);
    await sim!.play();
    const events = await c.waitForCount(isReplayed, 2 * 163);
    const linkedids = (list: AmiMessage[]): Set<string> =>
      new Set(list.map((m) => header(m, 'linkedid')).filter((v): v is string => v !== undefined));
    const first = linkedids(events.slice(0, 163));
    const second = linkedids(events.slice(163));
    expect(first).toEqual(new Set(['1795380887.0']));
    expect(second.size).toBe(1);
    expect([...second][0]).not.toBe('1795380887.0');
    const uniqueids = (list: AmiMessage[]): Set<string> =>
      new Set(list.map((m) => header(m, 'uniqueid')).filter((v): v is string => v !== undefined));
    const u1 = uniqueids(events.slice(0, 163));
    const u2 = uniqueids(events.slice(163));
    expect(u2.size).toBe(u1.size);
    expect([...u2].filter((u) => u1.has(u))).toEqual([]);
    // channel names too: the second pass is a different call
    const channels = (list: AmiMessage[]): Set<string> =>
      new Set(list.filter((m) => header(m, 'event') === 'Newchannel').map((m) => header(m, 'channel')!));
    const c2 = channels(events.slice(163));
    expect([...channels(events.slice(0, 163))].filter((ch) => c2.has(ch))).toEqual([]);
  });

  it("then: 'close' drops every connection after the recording and comes back as an idle PBX", async () => {
    const port = await startSim({ trace: ANSWERED, then: 'close' });
    const a = await login(port);
    const b = await login(port, { Events: 'off' });
    await sim!.play();
    await Promise.all([a.waitClosed(), b.waitClosed()]);
    expect(a.events.filter(isReplayed)).toHaveLength(163 + 1);
    expect(header(a.events[a.events.length - 1], 'event')).toBe('Shutdown');

    const again = await connect(port);
    const res = await again.action('Login', { Username: 'crm', Secret: 'labsecret' }, 'login-2');
    expect(header(res, 'response')).toBe('Success');
    const booted = await again.waitFor((m) => header(m, 'event') === 'FullyBooted');
    expect(Number(header(booted, 'uptime'))).toBeLessThanOrEqual(1);
    await again.action('CoreShowChannels', {}, 'csc-1');
    const done = await again.waitFor((m) => header(m, 'event') === 'CoreShowChannelsComplete');
    expect(header(done, 'listitems')).toBe('0');
    expect(again.events.filter(isReplayed).map((m) => header(m, 'event'))).toEqual([
      'CoreShowChannelsComplete',
    ]);
  });

  it('QueueAdd answers as queue-admin.ami and QueueStatus then lists the new member', async () => {
    const port = await startSim();
    const c = await login(port);
    const added = await c.action(
      'QueueAdd',
      {
        Queue: 'support',
        Interface: 'Local/1004@phones/n',
        MemberName: 'Dmitry Agent',
        StateInterface: 'Custom:1004',
      },
      'qa-1',
    );
    expect(header(added, 'message')).toBe('Added interface to queue');
    expect(c.text).toContain(recordedResponse('qa-1'));
    const ev = await c.waitFor((m) => header(m, 'event') === 'QueueMemberAdded');
    expect(header(ev, 'membername')).toBe('Dmitry Agent');
    expect(header(ev, 'membership')).toBe('dynamic');

    const dup = await c.action('QueueAdd', { Queue: 'support', Interface: 'Local/1004@phones/n' }, 'qa-2');
    expect(header(dup, 'message')).toBe('Unable to add interface: Already there');

    await c.action('QueueStatus', { Queue: 'support' }, 'qs-1');
    const complete = await c.waitFor((m) => header(m, 'event') === 'QueueStatusComplete');
    expect(header(complete, 'listitems')).toBe('4');
    const members = c.events.filter(
      (m) => header(m, 'event') === 'QueueMember' && header(m, 'actionid') === 'qs-1',
    );
    expect(members.map((m) => header(m, 'location'))).toEqual([
      'Local/1001@phones/n',
      'Local/1002@phones/n',
      'Local/1004@phones/n',
    ]);
    expect(header(members[2], 'name')).toBe('Dmitry Agent');
    expect(header(members[2], 'stateinterface')).toBe('Custom:1004');
  });

  it('QueuePause reports the reason; QueueRemove takes the member out again', async () => {
    const port = await startSim();
    const c = await login(port);
    await c.action(
      'QueueAdd',
      { Queue: 'support', Interface: 'Local/1004@phones/n', MemberName: 'Dmitry Agent' },
      'qa-1',
    );
    const paused = await c.action(
      'QueuePause',
      { Queue: 'support', Interface: 'Local/1004@phones/n', Paused: 'true', Reason: 'lunch' },
      'qp-1',
    );
    expect(header(paused, 'message')).toBe('Interface paused successfully');
    const pauseEv = await c.waitFor((m) => header(m, 'event') === 'QueueMemberPause');
    expect([header(pauseEv, 'paused'), header(pauseEv, 'pausedreason')]).toEqual(['1', 'lunch']);

    const removed = await c.action(
      'QueueRemove',
      { Queue: 'support', Interface: 'Local/1004@phones/n' },
      'qr-1',
    );
    expect(header(removed, 'message')).toBe('Removed interface from queue');
    await c.waitFor((m) => header(m, 'event') === 'QueueMemberRemoved');
    await c.action('QueueStatus', { Queue: 'support' }, 'qs-2');
    const complete = await c.waitFor((m) => header(m, 'event') === 'QueueStatusComplete');
    expect(header(complete, 'listitems')).toBe('3');

    // a static member cannot be removed
    const stat = await c.action(
      'QueueRemove',
      { Queue: 'support', Interface: 'Local/1001@phones/n' },
      'qr-3',
    );
    expect(header(stat, 'message')).toBe('Member not dynamic');
  });

  it('QueueRemove of a member that is not there errors with the bytes of queue-admin.ami', async () => {
    const port = await startSim();
    const c = await login(port);
    const res = await c.action('QueueRemove', { Queue: 'support', Interface: 'Local/1004@phones/n' }, 'qr-2');
    expect(header(res, 'response')).toBe('Error');
    expect(c.text).toContain(recordedResponse('qr-2'));
  });

  it('an unknown action errors with the bytes of queue-admin.ami and a RequestBadFormat event', async () => {
    const port = await startSim();
    const c = await login(port);
    await c.action('NoSuchAction', {}, 'bad-1');
    expect(c.text).toContain(recordedResponse('bad-1'));
    const ev = await c.waitFor((m) => header(m, 'event') === 'RequestBadFormat');
    expect(header(ev, 'requesttype')).toBe('Action: NoSuchAction');
  });

  it('an Originate to a context that does not exist errors as queue-admin.ami', async () => {
    const port = await startSim();
    const c = await login(port);
    await c.action(
      'Originate',
      { Channel: 'Local/1001@phones', Context: 'nosuchcontext', Exten: '100', Priority: 1 },
      'orig-bad',
    );
    expect(c.text).toContain(recordedResponse('orig-bad'));
  });

  it('Originate is queued, then reported by OriginateResponse with its ActionID and a live channel', async () => {
    const port = await startSim({ timeScale: 0.05 });
    const c = await login(port);
    const res = await c.action(
      'Originate',
      {
        Channel: 'Local/1003@phones',
        Context: 'outbound',
        Exten: '84950000000',
        Priority: 1,
        Async: 'true',
        CallerID: '"Carol Agent" <1003>',
        Variable: 'CRM_COMM_EVENT=ce-7',
      },
      'c2c-7',
    );
    expect(header(res, 'message')).toBe('Originate successfully queued');
    const orig = await c.waitFor((m) => header(m, 'event') === 'OriginateResponse');
    expect(header(orig, 'actionid')).toBe('c2c-7');
    expect(header(orig, 'response')).toBe('Success');
    expect(header(orig, 'exten')).toBe('84950000000');
    expect(header(orig, 'calleridname')).toBe('Carol Agent');
    const uniqueid = header(orig, 'uniqueid')!;
    const varset = c.events.find(
      (m) => header(m, 'event') === 'VarSet' && header(m, 'variable') === 'CRM_COMM_EVENT',
    );
    expect(header(varset!, 'value')).toBe('ce-7');
    expect(header(varset!, 'uniqueid')).toBe(uniqueid);
    // the call ends by itself: both Local halves hang up
    await c.waitForCount(
      (m) => header(m, 'event') === 'Hangup' && header(m, 'linkedid') === uniqueid,
      2,
      3000,
    );
    await c.action('CoreShowChannels', {}, 'csc-9');
    const done = await c.waitFor((m) => header(m, 'event') === 'CoreShowChannelsComplete');
    expect(header(done, 'listitems')).toBe('0');
  });

  it('CoreShowChannels, Status, MixMonitor and Hangup follow the channels that were sent', async () => {
    const port = await startSim();
    const c = await login(port);
    sim!.emitEvent({
      Event: 'Newchannel',
      Privilege: 'call,all',
      Channel: 'PJSIP/1001-00000001',
      ChannelState: '6',
      ChannelStateDesc: 'Up',
      CallerIDNum: '1001',
      CallerIDName: 'Alice Agent',
      ConnectedLineNum: '<unknown>',
      ConnectedLineName: '<unknown>',
      Language: 'en',
      AccountCode: '',
      Context: 'phones',
      Exten: '1001',
      Priority: '1',
      Uniqueid: '1795390000.1',
      Linkedid: '1795390000.1',
    });
    await c.waitFor((m) => header(m, 'event') === 'Newchannel');
    await c.action('CoreShowChannels', {}, 'csc-1');
    const item = await c.waitFor((m) => header(m, 'event') === 'CoreShowChannel');
    expect(header(item, 'channel')).toBe('PJSIP/1001-00000001');
    expect(header(item, 'duration')).toMatch(/^00:00:0\d$/);
    const status = await c.action('Status', { Channel: 'PJSIP/1001-00000001' }, 'st-1');
    expect(header(status, 'eventlist')).toBe('start');
    const st = await c.waitFor((m) => header(m, 'event') === 'Status');
    expect(header(st, 'type')).toBe('PJSIP');

    // MixMonitor as app_mixmonitor.c answers it, with the recordings' VarSet of the file
    const noFile = await c.action('MixMonitor', { Channel: 'PJSIP/1001-00000001' }, 'mm-0');
    expect(header(noFile, 'message')).toBe('Could not start monitoring channel');
    const mix = await c.action('MixMonitor', { Channel: 'PJSIP/1001-00000001', File: 'x.wav' }, 'mm-1');
    expect(mix.headers).toEqual({ response: 'Success', actionid: 'mm-1' });
    const varSet = await c.waitFor(
      (m) => header(m, 'event') === 'VarSet' && header(m, 'variable') === 'MIXMONITOR_FILENAME',
    );
    expect(header(varSet, 'value')).toBe('/var/spool/asterisk/monitor/x.wav');
    expect(header(varSet, 'uniqueid')).toBe('1795390000.1');
    await c.waitFor((m) => header(m, 'event') === 'MixMonitorStart');
    const gone = await c.action('MixMonitor', { Channel: 'PJSIP/9999-00000009', File: 'y.wav' }, 'mm-2');
    expect(header(gone, 'message')).toBe('No such channel');

    const hung = await c.action('Hangup', { Channel: 'PJSIP/1001-00000001' }, 'h-1');
    expect(header(hung, 'message')).toBe('Channel Hungup');
    const hangup = await c.waitFor((m) => header(m, 'event') === 'Hangup');
    expect(header(hangup, 'uniqueid')).toBe('1795390000.1');
    const again = await c.action('Hangup', { Channel: 'PJSIP/1001-00000001' }, 'h-2');
    expect(header(again, 'message')).toBe('No such channel');
    await c.action('CoreShowChannels', {}, 'csc-2');
    const done = await c.waitFor(
      (m) => header(m, 'event') === 'CoreShowChannelsComplete' && header(m, 'actionid') === 'csc-2',
    );
    expect(header(done, 'listitems')).toBe('0');
  });

  it('a Filter keeps only the matching events', async () => {
    const port = await startSim({ trace: ANSWERED });
    const c = await login(port);
    const res = await c.action('Filter', { Operation: 'Add', Filter: 'Event: Newchannel' }, 'f-1');
    expect(header(res, 'message')).toBe('Success');
    await sim!.play();
    await c.action('Ping', {}, 'after');
    const replayed = c.events.filter(
      (m) => header(m, 'event') !== 'FullyBooted' && header(m, 'event') !== 'SuccessfulAuth',
    );
    expect(replayed.map((m) => header(m, 'event'))).toEqual(Array(6).fill('Newchannel'));
  });

  it('drops a client that stops reading instead of buffering for it, and keeps serving the others', async () => {
    const port = await startSim({ trace: BUSY_HOUR, repeat: 8, writeTimeoutMs: 300 });
    const stalled = await login(port);
    stalled.socket.pause();
    const reader = await login(port);
    await sim!.play();
    const expected = recordedEventFrames(BUSY_HOUR).length * 8;
    await reader.waitForCount(isReplayed, expected, 20_000);
    // the stalled client was cut off midway: reading what reached it ends in the close
    stalled.socket.resume();
    await stalled.waitClosed(3000);
    expect(stalled.events.filter(isReplayed).length).toBeLessThan(expected / 2);
  }, 30_000);

  it('scripted traffic places answered and abandoned calls built from the recordings', async () => {
    const port = await startSim({
      scripted: { callsPerSecond: 20, answerRatio: 0.5, durationSeconds: 0.6, seed: 42 },
      timeScale: 0.03,
    });
    const c = await login(port);
    await sim!.play();
    // every call ends: wait for the model to be empty again
    const deadline = Date.now() + 5000;
    while (sim!.channelCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sim!.channelCount).toBe(0);
    await c.action('Ping', {}, 'end');

    const joins = c.events.filter((m) => header(m, 'event') === 'QueueCallerJoin');
    const connects = c.events.filter((m) => header(m, 'event') === 'AgentConnect');
    const abandons = c.events.filter((m) => header(m, 'event') === 'QueueCallerAbandon');
    expect(joins.length).toBeGreaterThanOrEqual(4);
    expect(connects.length + abandons.length).toBe(joins.length);
    expect(connects.length).toBeGreaterThan(0);
    expect(abandons.length).toBeGreaterThan(0);
    // the queues counted them: QueueParams Completed / Abandoned and the members' CallsTaken
    await c.action('QueueStatus', {}, 'qs-end');
    await c.waitFor((m) => header(m, 'event') === 'QueueStatusComplete');
    const params = c.events.filter((m) => header(m, 'event') === 'QueueParams');
    const sum = (list: AmiMessage[], key: string): number =>
      list.reduce((n, m) => n + Number(header(m, key)), 0);
    expect(sum(params, 'completed')).toBe(connects.length);
    expect(sum(params, 'abandoned')).toBe(abandons.length);
    const taken = sum(
      c.events.filter((m) => header(m, 'event') === 'QueueMember' && header(m, 'actionid') === 'qs-end'),
      'callstaken',
    );
    expect(taken).toBe(connects.length);
    // each call is its own set of ids, with its own caller
    expect(new Set(joins.map((m) => header(m, 'linkedid'))).size).toBe(joins.length);
    expect(new Set(joins.map((m) => header(m, 'calleridnum'))).size).toBe(joins.length);
    // a call to sales is answered by Carol, never by Alice or Bob
    for (const m of connects) {
      const agent = header(m, 'membername');
      expect(
        header(m, 'queue') === 'sales'
          ? agent === 'Carol Agent'
          : ['Alice Agent', 'Bob Agent'].includes(agent!),
      ).toBe(true);
    }
  }, 15_000);
});
