import { createRequire } from 'node:module';
import { join } from 'node:path';

import { AmiSimulator } from '../../src/simulator/ami-simulator.js';

/** The reference npm AMI client (asterisk-manager, CommonJS, untyped): the part of its API used here. */
interface AsteriskManager {
  on(event: 'managerevent', listener: (evt: Record<string, unknown>) => void): void;
  on(event: 'close' | 'connect', listener: () => void): void;
  action(
    action: Record<string, string>,
    callback: (err: unknown, res: Record<string, unknown>) => void,
  ): string;
  disconnect(): void;
}
type AsteriskManagerCtor = new (
  port: number,
  host: string,
  user: string,
  secret: string,
  events: boolean,
) => AsteriskManager;

const require = createRequire(import.meta.url);
const Manager = require('asterisk-manager') as AsteriskManagerCtor;

const ANSWERED = join(import.meta.dirname, '..', 'fixtures', 'asterisk-22', 'inbound-queue-answered.ami');

describe('asterisk-manager (the reference npm client) against the simulator', () => {
  let sim: AmiSimulator | undefined;
  let ami: AsteriskManager | undefined;

  afterEach(async () => {
    ami?.disconnect();
    ami = undefined;
    await sim?.stop();
    sim = undefined;
  });

  it('connects, logs in, receives the replayed events and gets a Ping response', async () => {
    sim = new AmiSimulator({ port: 0, trace: ANSWERED });
    const port = await sim.start();
    const events: Record<string, unknown>[] = [];
    const logins: boolean[] = [];
    sim.on('login', (_id: number, ok: boolean) => logins.push(ok));

    const client = new Manager(port, '127.0.0.1', 'crm', 'labsecret', true);
    ami = client;
    client.on('managerevent', (evt) => events.push(evt));

    // replay starts at login (autoplay): wait for the recording's 163 events
    const deadline = Date.now() + 5000;
    const replayed = (): Record<string, unknown>[] =>
      events.filter((e) => e.event !== 'FullyBooted' && e.event !== 'SuccessfulAuth');
    while (replayed().length < 163 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    expect(logins).toEqual([true]);
    expect(events[0].event).toBe('FullyBooted');
    expect(replayed()).toHaveLength(163);
    const join = replayed().find((e) => e.event === 'QueueCallerJoin')!;
    expect(join.calleridnum).toBe('+79161234567');
    expect(join.queue).toBe('support');

    const pong = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no Ping response')), 3000);
      client.action({ action: 'Ping' }, (err, res) => {
        clearTimeout(timer);
        if (err) reject(new Error(JSON.stringify(err)));
        else resolve(res);
      });
    });
    expect(pong.response).toBe('Success');
    expect(pong.ping).toBe('Pong');

    const status = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no QueueRemove response')), 3000);
      client.action({ action: 'QueueRemove', queue: 'support', interface: 'Local/1009@phones/n' }, (err) => {
        clearTimeout(timer);
        resolve(err as Record<string, unknown>);
      });
    });
    expect(status.response).toBe('Error');
    expect(status.message).toBe('Unable to remove interface: Not there');
  });
});
