import { createTestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { StallableProxy } from './support/stallable-proxy.js';

/**
 * The routing lookup over HTTP (the dialplan's CURL()) fails open like FastAGI: with PostgreSQL
 * stalled, a service key the database confirmed before the outage still gets its 200 with empty
 * fields, so the dialplan falls through to its queue; a key never seen is refused as unavailable
 * (503), not as unknown, and nothing hangs.
 */
const DEADLINE_MS = 300;
/** Bounds a hang only (the guard's wait for the database, plus the lookup's deadline, plus load). */
const NO_HANG_MS = 10_000;

describe('the HTTP routing lookup with the database unreachable', () => {
  let app: TestApp;
  let proxy: StallableProxy;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let serviceKey: string;
  let otherKey: string;

  const lookup = (key: string) =>
    fetch(`${app.url}/api/v1/agi/responsible?number=%2B79161234567&did=74957770000`, {
      headers: { 'x-api-key': key },
      signal: AbortSignal.timeout(NO_HANG_MS),
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = new StallableProxy(target.hostname, Number(target.port));
    const viaProxy = new URL(db.url);
    viaProxy.port = String(await proxy.start());
    app = await startTestApp({ DATABASE_URL: viaProxy.toString(), AGI_DEADLINE_MS: String(DEADLINE_MS) });
    const created = async (name: string) => {
      const res = await app.api('/api/v1/api-keys', { method: 'POST', json: { name, role: 'service' } });
      expect(res.status).toBe(201);
      return ((await res.json()) as { key: string }).key;
    };
    serviceKey = await created('asterisk');
    otherKey = await created('never-used');
    const before = await lookup(serviceKey); // confirmed by the database while it answers
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({ exten: '', outcome: 'unknown-caller' });
    proxy.stall();
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await app?.stop();
    await db?.drop();
  });

  it('answers a known service key with empty fields (fail open)', async () => {
    const res = await lookup(serviceKey);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { exten: string; outcome: string };
    expect(body.exten).toBe('');
    expect(['deadline', 'error']).toContain(body.outcome);
  });

  it('refuses a key the database never confirmed as unavailable, not as unknown', async () => {
    const res = await lookup(otherKey);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
  });

  it('still refuses a request without a key', async () => {
    expect((await fetch(`${app.url}/api/v1/agi/responsible?number=1`)).status).toBe(401);
  });
});
