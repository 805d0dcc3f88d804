import { AgiServer } from '../../src/modules/agi/agi-server.js';
import { freePort } from '../support/free-port.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { agiCall, rawConnection, recordedHeader } from './support/asterisk-agi-client.js';
import { StallableProxy } from './support/stallable-proxy.js';

const DEADLINE_MS = 300;
/**
 * The server enforces the deadline itself (counted from the accept; /health counts each miss).
 * What the client sees adds its own scheduling delay on a loaded machine, so the tests only bound
 * it loosely: the stalled database never answers, so without the fail-open path these calls would
 * hang until agiCall's own timeout (5 s).
 */
const ANSWERED_WITHOUT_THE_DATABASE_MS = 10 * DEADLINE_MS;
const SILENCE_MS = 600;
/** What nobody-to-route-to looks like: CRM_EXTEN set empty, nothing else. */
const EMPTY = { CRM_EXTEN: '' };

interface Json {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted field by field
}

async function call(
  app: TestApp,
  method: string,
  path: string,
  json?: unknown,
  headers?: Record<string, string>,
): Promise<Json> {
  const res = await app.api(path, { method, json, headers });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies, read field by field
async function ok(app: TestApp, method: string, path: string, json?: unknown): Promise<any> {
  const r = await call(app, method, path, json);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * The lab of the recordings: Carol Agent (1003, queue sales, DID 74957770000) and Alice Agent
 * (1001, queue support, DID 74951234567); customers owned by them.
 */
async function seedLab(app: TestApp) {
  await ok(app, 'POST', '/api/v1/pbxes', {
    name: 'lab',
    amiHost: '127.0.0.1',
    amiPort: await freePort(), // nothing listens: the AMI link stays down, the directory keeps its own state
    amiUsername: 'crm',
    amiSecret: 'labsecret',
    isDefault: true,
  });
  const user = async (displayName: string) =>
    (await ok(app, 'POST', '/api/v1/users', { displayName, role: 'operator' })) as { id: string };
  const carol = await user('Carol Agent');
  const alice = await user('Alice Agent');
  const nobody = await user('Peterless Agent'); // no phone at all
  await ok(app, 'POST', '/api/v1/peers', {
    userId: carol.id,
    extension: '1003',
    dialInterface: 'Local/1003@phones/n',
  });
  await ok(app, 'POST', '/api/v1/peers', {
    userId: alice.id,
    extension: '1001',
    dialInterface: 'Local/1001@phones/n',
  });
  const sales = await ok(app, 'POST', '/api/v1/groups', {
    name: 'Sales',
    queue: 'sales',
    numbers: ['74957770000'],
  });
  const support = await ok(app, 'POST', '/api/v1/groups', {
    name: 'Support',
    queue: 'support',
    numbers: ['74951234567'],
  });
  await ok(app, 'POST', `/api/v1/groups/${sales.id}/members`, { userId: carol.id });
  await ok(app, 'POST', `/api/v1/groups/${support.id}/members`, { userId: alice.id });
  await ok(app, 'POST', `/api/v1/groups/${sales.id}/members/${carol.id}/login`, {});
  await ok(app, 'POST', `/api/v1/groups/${support.id}/members/${alice.id}/login`, {});
  const contact = async (displayName: string, number: string, responsibleUserId?: string) =>
    (await ok(app, 'POST', '/api/v1/contacts', { displayName, responsibleUserId, phones: [{ number }] })) as {
      id: string;
    };
  return {
    carol,
    alice,
    sales,
    support,
    ivan: await contact('Ivan Petrov', '8 (916) 123-45-67', carol.id),
    olga: await contact('Olga Smirnova', '+7 903 111-22-33', alice.id),
    orphan: await contact('Nobody Owns Me', '+7 903 000-00-01'),
    peterless: await contact('Owned By Peterless', '+7 903 000-00-02', nobody.id),
  };
}

describe('FastAGI routing (real TCP, real Postgres, the directory)', () => {
  let app: TestApp;
  let port: number;
  let lab: Awaited<ReturnType<typeof seedLab>>;

  beforeAll(async () => {
    app = await startTestApp({
      AGI_DEADLINE_MS: String(DEADLINE_MS),
      AGI_HEADER_TIMEOUT_MS: String(SILENCE_MS),
    });
    port = app.app.get(AgiServer).port;
    lab = await seedLab(app);
  }, 60_000);
  afterAll(() => app?.stop());

  const metric = async (line: string): Promise<number> => {
    const text = (await call(app, 'GET', '/metrics')).body as string;
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found ? Number(found.slice(line.length + 1)) : 0;
  };

  it('routes a known caller to the responsible agent on the DID of the recording', async () => {
    const before = await metric('switchboard_agi_requests_total{route="responsible",outcome="routed"}');
    const r = await agiCall({ port, callerId: '+79161234567', script: 'responsible?did=74957770000' });
    expect(r.variables).toEqual({
      CRM_CONTACT_ID: lab.ivan.id,
      CRM_CONTACT_NAME: 'Ivan Petrov',
      CRM_QUEUE: 'sales',
      CRM_INTERFACE: 'Local/1003@phones/n',
      CRM_EXTEN: '1003',
    });
    expect(r.commands.at(-1)).toBe('SET VARIABLE CRM_EXTEN "1003"');
    expect(r.endedCleanly).toBe(true);
    expect(await metric('switchboard_agi_requests_total{route="responsible",outcome="routed"}')).toBe(
      before + 1,
    );
  });

  it('routes the national form of a number, with the DID from the dialplan extension when the URL has none', async () => {
    const r = await agiCall({ port, callerId: '89031112233', script: 'responsible' });
    expect(r.variables).toMatchObject({
      CRM_EXTEN: '1001',
      CRM_CONTACT_NAME: 'Olga Smirnova',
      CRM_QUEUE: 'support',
    });
  });

  it('gives an unknown caller empty variables (and the queue of the DID)', async () => {
    expect(
      (await agiCall({ port, callerId: '+79990000000', script: 'responsible?did=74951234567' })).variables,
    ).toEqual({
      ...EMPTY,
      CRM_QUEUE: 'support',
    });
    expect(
      (await agiCall({ port, callerId: 'unknown', script: 'responsible?did=70000000000' })).variables,
    ).toEqual(EMPTY);
  });

  it('never routes to an agent who is paused or logged off, or who has no phone, or to nobody', async () => {
    const ivan = () => agiCall({ port, callerId: '+79161234567', script: 'responsible?did=74957770000' });
    await ok(app, 'POST', `/api/v1/groups/${lab.sales.id}/members/${lab.carol.id}/pause`, {
      reason: 'lunch',
    });
    expect((await ivan()).variables).toEqual({
      ...EMPTY,
      CRM_CONTACT_ID: lab.ivan.id,
      CRM_CONTACT_NAME: 'Ivan Petrov',
      CRM_QUEUE: 'sales',
    });
    await ok(app, 'POST', `/api/v1/groups/${lab.sales.id}/members/${lab.carol.id}/unpause`, {});
    expect((await ivan()).variables.CRM_EXTEN).toBe('1003');
    await ok(app, 'POST', `/api/v1/groups/${lab.sales.id}/members/${lab.carol.id}/logoff`, {});
    expect((await ivan()).variables).toEqual({
      CRM_EXTEN: '',
      CRM_CONTACT_ID: lab.ivan.id,
      CRM_CONTACT_NAME: 'Ivan Petrov',
      CRM_QUEUE: 'sales',
    });
    await ok(app, 'POST', `/api/v1/groups/${lab.sales.id}/members/${lab.carol.id}/login`, {});
    expect((await ivan()).variables.CRM_EXTEN).toBe('1003');

    for (const callerId of ['+79030000001', '+79030000002']) {
      expect((await agiCall({ port, callerId, script: 'responsible?did=74951234567' })).variables).toEqual({
        CRM_EXTEN: '',
        CRM_CONTACT_ID: expect.any(String),
        CRM_CONTACT_NAME: expect.any(String),
        CRM_QUEUE: 'support',
      });
    }
  });

  it('sets CALLERID(name) from the best contact, and nothing for an unknown caller', async () => {
    const known = await agiCall({ port, callerId: '+79161234567', script: 'caller-name' });
    expect(known.commands).toEqual(['SET VARIABLE CALLERID(name) "Ivan Petrov"']);
    const unknown = await agiCall({ port, callerId: '+79990000000', script: 'caller-name' });
    expect(unknown.commands).toEqual([]);
    expect(unknown.endedCleanly).toBe(true);
  });

  it('ends the session cleanly when the caller hangs up mid-conversation', async () => {
    const before = await metric('switchboard_agi_requests_total{route="responsible",outcome="hangup"}');
    const r = await agiCall({
      port,
      callerId: '+79161234567',
      script: 'responsible?did=74957770000',
      hangupAtCommand: 2,
    });
    expect(r.commands).toHaveLength(2); // nothing more is sent to a channel that is gone
    expect(r.variables.CRM_EXTEN).toBeUndefined();
    expect(r.endedCleanly).toBe(true);
    expect(await metric('switchboard_agi_requests_total{route="responsible",outcome="hangup"}')).toBe(
      before + 1,
    );
  });

  it('answers an unknown route with nothing and closes', async () => {
    const r = await agiCall({ port, callerId: '+79161234567', script: 'no-such-route?x=1' });
    expect(r.commands).toEqual([]);
    expect(r.endedCleanly).toBe(true);
  });

  it('closes garbage at once and a half-sent header after the silence timeout, without harm', async () => {
    const http = await rawConnection(port, ['GET / HTTP/1.1\r\nHost: crm\r\n\r\n']);
    expect(http.received).toBe('');
    expect(http.closedMs).toBeLessThan(SILENCE_MS);
    const noLf = await rawConnection(port, [Buffer.alloc(20_000, 'a')]); // no line end in sight
    expect(noLf.closedMs).toBeLessThan(SILENCE_MS);

    const [first] = recordedHeader();
    const half = await rawConnection(port, [first]);
    expect(half.received).toBe('');
    expect(half.closedMs).toBeGreaterThanOrEqual(SILENCE_MS - 50);
    expect(half.closedMs).toBeLessThan(SILENCE_MS + 1500);
    const silent = await rawConnection(port, []);
    expect(silent.closedMs).toBeGreaterThanOrEqual(SILENCE_MS - 50);

    expect(await metric('switchboard_agi_requests_total{route="none",outcome="protocol-error"}')).toBe(2);
    expect(await metric('switchboard_agi_requests_total{route="none",outcome="timeout"}')).toBe(2);
    // the server still answers, and holds no connection from them
    expect(
      (await agiCall({ port, callerId: '+79161234567', script: 'responsible?did=74957770000' })).variables
        .CRM_EXTEN,
    ).toBe('1003');
    const health = (await (await fetch(`${app.url}/health`)).json()) as {
      components: { agi: Record<string, unknown> };
    };
    expect(health.components.agi).toMatchObject({ status: 'up', listening: true, port, connections: 0 });
  });

  it('serves many calls at once', async () => {
    const calls = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        agiCall({
          port,
          callerId: i % 2 ? '+79161234567' : '+79990000000',
          script: 'responsible?did=74957770000',
        }),
      ),
    );
    expect(calls.filter((c) => c.variables.CRM_EXTEN === '1003')).toHaveLength(25);
    expect(calls.filter((c) => c.variables.CRM_EXTEN === '')).toHaveLength(25);
  });

  describe('GET /api/v1/agi/responsible (for CURL() dialplans)', () => {
    it('answers JSON, or the extension alone as text', async () => {
      const json = await call(app, 'GET', '/api/v1/agi/responsible?number=%2B79161234567&did=74957770000');
      expect(json.status).toBe(200);
      expect(json.body).toEqual({
        exten: '1003',
        interface: 'Local/1003@phones/n',
        contactId: lab.ivan.id,
        contactName: 'Ivan Petrov',
        queue: 'sales',
        outcome: 'routed',
      });
      const res = await app.api('/api/v1/agi/responsible?number=89161234567&format=text');
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('1003');
      const unknown = await app.api('/api/v1/agi/responsible?number=%2B79990000000&format=text');
      expect(await unknown.text()).toBe('');
    });

    it('takes API keys only', async () => {
      const user = await ok(app, 'POST', '/api/v1/users', {
        displayName: 'Admin Person',
        role: 'supervisor',
      });
      const { token } = await ok(app, 'POST', '/api/v1/auth/token', { userId: user.id });
      const res = await call(app, 'GET', '/api/v1/agi/responsible?number=1', undefined, {
        authorization: `Bearer ${token}`,
      });
      expect(res.status).toBe(403);
      expect((await fetch(`${app.url}/api/v1/agi/responsible?number=1`)).status).toBe(401);
      const key = await ok(app, 'POST', '/api/v1/api-keys', { name: 'asterisk', role: 'service' });
      expect(
        (await call(app, 'GET', '/api/v1/agi/responsible?number=1', undefined, { 'x-api-key': key.key }))
          .status,
      ).toBe(200);
    });
  });
});

describe('FastAGI routing with the database unreachable', () => {
  let app: TestApp;
  let proxy: StallableProxy;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let port: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = new StallableProxy(target.hostname, Number(target.port));
    const proxyPort = await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxyPort);
    app = await startTestApp({
      DATABASE_URL: viaProxy.toString(),
      AGI_DEADLINE_MS: String(DEADLINE_MS),
      DATABASE_POOL_SIZE: '4',
    });
    port = app.app.get(AgiServer).port;
    await seedLab(app);
    const routed = await agiCall({ port, callerId: '+79161234567', script: 'responsible?did=74957770000' });
    expect(routed.variables.CRM_EXTEN).toBe('1003'); // through the proxy, while it relays
    proxy.stall();
  }, 60_000);
  afterAll(async () => {
    await proxy?.close(); // unblocks the pool, so that the app can stop
    await app?.stop();
    await db?.drop();
  });

  it('still answers before the deadline, with empty variables, for every caller at once', async () => {
    const started = performance.now();
    const calls = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        agiCall({
          port,
          callerId: i % 2 ? '+79161234567' : '+79990000000',
          script: 'responsible?did=74957770000',
        }),
      ),
    );
    for (const c of calls) {
      expect(c.variables).toEqual(EMPTY);
      expect(c.firstCommandMs).toBeLessThan(ANSWERED_WITHOUT_THE_DATABASE_MS);
      expect(c.endedCleanly).toBe(true);
    }
    expect(performance.now() - started).toBeLessThan(ANSWERED_WITHOUT_THE_DATABASE_MS + 500);
    const name = await agiCall({ port, callerId: '+79161234567', script: 'caller-name' });
    expect(name.commands).toEqual([]);
    expect(name.firstCommandMs).toBeUndefined();
    expect(name.closedMs).toBeLessThan(ANSWERED_WITHOUT_THE_DATABASE_MS);
  });

  it('counts the misses and reports them on /health', async () => {
    const misses = app.app.get(AgiServer);
    expect(misses.connectionCount).toBe(0);
    const health = await fetch(`${app.url}/health`, { signal: AbortSignal.timeout(5000) });
    const body = (await health.json()) as { components: { agi: { deadlineMisses: number; status: string } } };
    expect(body.components.agi.status).toBe('up');
    expect(body.components.agi.deadlineMisses).toBeGreaterThanOrEqual(20);
  });

  it('answers empty at once when the database has gone away (connections reset)', async () => {
    proxy.refuse();
    const calls = await Promise.all(
      Array.from({ length: 5 }, () =>
        agiCall({ port, callerId: '+79161234567', script: 'responsible?did=74957770000' }),
      ),
    );
    for (const c of calls) {
      expect(c.variables).toEqual(EMPTY);
      expect(c.firstCommandMs).toBeLessThan(ANSWERED_WITHOUT_THE_DATABASE_MS);
    }
  });
});
