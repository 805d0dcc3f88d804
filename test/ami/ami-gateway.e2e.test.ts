import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ErrorCode } from '../../src/common/errors/app-error.js';
import { AmiGatewayService } from '../../src/modules/ami/ami-gateway.service.js';
import { EVENT_FILTERS } from '../../src/modules/ami/ami-events.js';
import { AmiSimulator } from '../../src/simulator/ami-simulator.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/asterisk-22');

/**
 * How many of a recording's events pass our filters, by Asterisk's rule (regex over the event text;
 * an event must match an include filter, then no `!` exclude filter).
 */
function eventsPassingFilters(file: string): number {
  const frames = readFileSync(join(FIXTURES, file), 'latin1').split('\r\n\r\n');
  const regex = (f: string) => new RegExp(f.replace(/^!/, ''), 's');
  const include = EVENT_FILTERS.filter((f) => !f.startsWith('!')).map(regex);
  const exclude = EVENT_FILTERS.filter((f) => f.startsWith('!')).map(regex);
  return frames.filter((f) => {
    const name = /^Event: (\S+)/.exec(f)?.[1];
    if (!name || name === 'FullyBooted' || name === 'SuccessfulAuth') return false; // per-login, not replayed
    if (/\r\nActionID: /.test(f) && !/\r\nPrivilege: /.test(f)) return false; // an action's list item, not a broadcast
    return include.some((re) => re.test(f)) && !exclude.some((re) => re.test(f));
  }).length;
}

async function metric(app: TestApp, name: string, labels: string): Promise<number | undefined> {
  const text = await (await app.api('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

type Health = { status: string; components: Record<string, { status: string; [k: string]: unknown }> };
const health = async (app: TestApp) => (await (await fetch(`${app.url}/health`)).json()) as Health;

describe('AMI gateway against the PBX simulator (loopback TCP)', () => {
  let sim: AmiSimulator;
  let app: TestApp;
  let gateway: AmiGatewayService;
  let readyCount = 0;

  beforeAll(async () => {
    sim = new AmiSimulator({ port: 0, trace: join(FIXTURES, 'inbound-queue-answered.ami'), speed: 'max' });
    const port = await sim.start();
    app = await startTestApp({
      AMI_HOST: '127.0.0.1',
      AMI_PORT: String(port),
      AMI_USERNAME: 'crm',
      AMI_SECRET: 'labsecret',
    });
    gateway = app.app.get(AmiGatewayService);
    gateway.on('ready', () => readyCount++);
  });
  afterAll(async () => {
    await app?.stop();
    await sim?.stop();
  });

  it('logs in both sessions, reports the link on /health, and receives only the filtered events', async () => {
    const h = await until('the link up', async () => {
      const r = await health(app);
      return r.components['ami:default']?.status === 'up' ? r : undefined;
    });
    expect(h.status).toBe('ok');
    expect(h.components['ami:default']).toMatchObject({ simulated: false, name: 'default' });

    const expected = eventsPassingFilters('inbound-queue-answered.ami');
    const total = readFileSync(join(FIXTURES, 'inbound-queue-answered.ami'), 'latin1').split(
      '\r\n\r\nEvent: ',
    ).length;
    expect(expected).toBeLessThan(total * 0.75); // the filters cut the Newexten/VarSet flood
    await until('every filtered event', async () =>
      (await metric(app, 'switchboard_ami_events_received_total', 'pbx="default"')) === expected
        ? true
        : undefined,
    );
    // both sessions log in with events off; only the events session turns them on, after its filters
    const actions = sim.actionsReceived.map((a) => a.headers);
    expect(actions.filter((a) => a.action === 'Login').map((a) => a.events)).toEqual(['off', 'off']);
    expect(actions.filter((a) => a.action === 'Filter').map((a) => a.filter)).toEqual(EVENT_FILTERS);
    const eventsOn = actions.findIndex((a) => a.action === 'Events');
    expect(actions[eventsOn].eventmask).toContain('call');
    expect(actions.findLastIndex((a) => a.action === 'Filter')).toBeLessThan(eventsOn);
  });

  it('collects an event list and maps an Asterisk error to PBX_REJECTED with its Message', async () => {
    const pbxId = ((await (await app.api('/api/v1/pbxes')).json()) as { id: string; name: string }[]).find(
      (p) => p.name === 'default',
    )!.id;
    const status = await gateway.action(pbxId, 'QueueStatus', { Queue: 'support' });
    const members = status.events.filter((e) => e.headers.event === 'QueueMember').map((e) => e.headers.name);
    expect(members).toEqual(expect.arrayContaining(['Alice Agent', 'Bob Agent']));
    await expect(
      gateway.action(pbxId, 'QueueRemove', { Queue: 'support', Interface: 'Local/9999@phones/n' }),
    ).rejects.toMatchObject({ code: ErrorCode.PBX_REJECTED, message: expect.stringContaining('Not there') });
  });

  it('marks the link down when the PBX goes away, refuses actions, and heals when it returns', async () => {
    const pbxId = ((await (await app.api('/api/v1/pbxes')).json()) as { id: string; name: string }[]).find(
      (p) => p.name === 'default',
    )!.id;
    const port = sim.port;
    const before = readyCount;
    await sim.stop();
    const down = await until('the link down', async () => {
      const r = await health(app);
      return r.components['ami:default'].status === 'down' ? r : undefined;
    });
    expect(down.status).toBe('degraded');
    const err = await gateway.action(pbxId, 'Ping').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.PBX_UNAVAILABLE);

    sim = new AmiSimulator({ port });
    await sim.start();
    await until(
      'the link back',
      async () => ((await health(app)).components['ami:default'].status === 'up' ? true : undefined),
      20_000,
    );
    expect(readyCount).toBeGreaterThan(before);
    expect((await gateway.action(pbxId, 'Ping')).response.headers.ping).toBe('Pong');
  });

  it('opens a link for a PBX added over REST, never shows its secret, and closes it when removed', async () => {
    const second = new AmiSimulator({ port: 0, username: 'crm2', secret: 's3cret-two' });
    const port = await second.start();
    try {
      const res = await app.api('/api/v1/pbxes', {
        method: 'POST',
        json: {
          name: 'spb',
          amiHost: '127.0.0.1',
          amiPort: port,
          amiUsername: 'crm2',
          amiSecret: 's3cret-two',
          region: 'north',
        },
      });
      expect(res.status).toBe(201);
      const created = (await res.json()) as Record<string, unknown>;
      expect(created).toMatchObject({ name: 'spb', hasSecret: true, source: 'api', isDefault: false });
      expect(JSON.stringify(created)).not.toContain('s3cret-two');
      await until('the new link', async () =>
        (await health(app)).components['ami:spb']?.status === 'up' ? true : undefined,
      );
      const list = await (await app.api('/api/v1/pbxes')).text();
      expect(list).not.toContain('s3cret-two');

      const dup = await app.api('/api/v1/pbxes', {
        method: 'POST',
        json: { name: 'spb', amiHost: '127.0.0.1', amiUsername: 'x', amiSecret: 'y' },
      });
      expect(dup.status).toBe(409);
      const bad = await app.api('/api/v1/pbxes', {
        method: 'POST',
        json: { name: 'bad name!', amiPort: 70000 },
      });
      expect(bad.status).toBe(400);
      const fields = ((await bad.json()) as { error: { details: { field: string }[] } }).error.details.map(
        (d) => d.field,
      );
      expect(fields).toEqual(
        expect.arrayContaining(['name', 'amiHost', 'amiPort', 'amiUsername', 'amiSecret']),
      );

      expect((await app.api(`/api/v1/pbxes/${created.id as string}`, { method: 'DELETE' })).status).toBe(204);
      await until('the link closed', async () =>
        (await health(app)).components['ami:spb'] === undefined ? true : undefined,
      );
      await until('the simulator to see the logoff', () => (second.sessionCount === 0 ? true : undefined));
    } finally {
      await second.stop();
    }
  });
});
