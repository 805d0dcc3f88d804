import { createHmac } from 'node:crypto';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/test-app.js';

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function signHs256(payload: object, secret = TEST_JWT_SECRET): string {
  const head = b64url({ alg: 'HS256', typ: 'JWT' });
  const body = b64url(payload);
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

describe('authentication and authorization (HTTP, real Postgres)', () => {
  let app: TestApp;
  let operatorId: string;
  let operatorToken: string;

  beforeAll(async () => {
    app = await startTestApp();
    const created = await app.api('/api/v1/users', {
      method: 'POST',
      json: { externalRef: 'crm-op-1', displayName: 'Olga Operator', role: 'operator' },
    });
    expect(created.status).toBe(201);
    operatorId = ((await created.json()) as { id: string }).id;
    const tok = await app.api('/api/v1/auth/token', { method: 'POST', json: { userId: operatorId } });
    expect(tok.status).toBe(201);
    operatorToken = ((await tok.json()) as { token: string }).token;
  });
  afterAll(() => app?.stop());

  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  it('answers /health without credentials, with the database as a component', async () => {
    const res = await fetch(`${app.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; components: Record<string, { status: string }> };
    expect(body.status).toBe('ok');
    expect(body.components.database.status).toBe('up');
  });

  it.each(['/api/v1/users', '/api/v1/auth/me', '/metrics', '/docs-json', '/api/v1/api-keys'])(
    'refuses %s without credentials with 401 and a coded body',
    async (path) => {
      const res = await fetch(app.url + path);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe('UNAUTHENTICATED');
    },
  );

  it('refuses a wrong API key', async () => {
    const res = await fetch(`${app.url}/api/v1/users`, { headers: { 'x-api-key': 'sbk_nope' } });
    expect(res.status).toBe(401);
  });

  it('lets an operator token read who it is but gives 403 on admin routes', async () => {
    const me = await app.api('/api/v1/auth/me', { headers: bearer(operatorToken) });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ kind: 'user', role: 'operator', userId: operatorId });
    for (const path of ['/api/v1/users', '/api/v1/api-keys']) {
      const res = await app.api(path, { headers: bearer(operatorToken) });
      expect(res.status).toBe(403);
    }
    const token = await app.api('/api/v1/auth/token', {
      method: 'POST',
      headers: bearer(operatorToken),
      json: { userId: operatorId },
    });
    expect(token.status).toBe(403); // people cannot mint tokens; only the CRM backend's key can
  });

  it('issues a token by externalRef too, with its expiry', async () => {
    const res = await app.api('/api/v1/auth/token', { method: 'POST', json: { userId: 'crm-op-1' } });
    const body = (await res.json()) as { token: string; expiresAt: string; user: { id: string } };
    expect(body.user.id).toBe(operatorId);
    const ttl = new Date(body.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(800_000);
    expect(ttl).toBeLessThanOrEqual(900_000);
  });

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = signHs256({ sub: operatorId, typ: 'access', iat: now - 3600, exp: now - 60 });
    const res = await app.api('/api/v1/auth/me', { headers: bearer(expired) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Token expired');
    // the same claims, unexpired, pass: the refusal above is about expiry only
    const fresh = signHs256({ sub: operatorId, typ: 'access', iat: now, exp: now + 60 });
    expect((await app.api('/api/v1/auth/me', { headers: bearer(fresh) })).status).toBe(200);
  });

  it('refuses alg:none, a forged signature and another algorithm', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: operatorId, typ: 'access', iat: now, exp: now + 600 };
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    const forged = signHs256(claims, 'another-secret-another-secret-another');
    const hs512Head = b64url({ alg: 'HS512', typ: 'JWT' });
    const hs512 = `${hs512Head}.${b64url(claims)}.${createHmac('sha512', TEST_JWT_SECRET)
      .update(`${hs512Head}.${b64url(claims)}`)
      .digest('base64url')}`;
    for (const token of [none, forged, hs512]) {
      const res = await app.api('/api/v1/auth/me', { headers: bearer(token) });
      expect(res.status).toBe(401);
    }
  });

  it('answers a bad body with 400 naming each bad field', async () => {
    const res = await app.api('/api/v1/users', {
      method: 'POST',
      json: { displayName: '', role: 'boss', password: 'x' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { field: string }[] } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.map((d) => d.field).sort()).toEqual(['displayName', 'password', 'role']);
  });

  it('answers malformed JSON and a bad id with 400, an unknown id with 404, a duplicate with 409', async () => {
    const malformed = await fetch(`${app.url}/api/v1/users`, {
      method: 'POST',
      headers: {
        'x-api-key': (await import('../support/test-app.js')).TEST_ADMIN_KEY,
        'content-type': 'application/json',
      },
      body: '{"displayName":',
    });
    expect(malformed.status).toBe(400);
    expect((await app.api('/api/v1/api-keys/not-a-uuid', { method: 'DELETE' })).status).toBe(400);
    expect((await app.api('/api/v1/users/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const dup = await app.api('/api/v1/users', {
      method: 'POST',
      json: { externalRef: 'crm-op-1', displayName: 'Again', role: 'operator' },
    });
    expect(dup.status).toBe(409);
  });

  it('lets an admin update and deactivate a user, whose token then stops working', async () => {
    const u = (await (
      await app.api('/api/v1/users', { method: 'POST', json: { displayName: 'Temp', role: 'supervisor' } })
    ).json()) as { id: string };
    const { token } = (await (
      await app.api('/api/v1/auth/token', { method: 'POST', json: { userId: u.id } })
    ).json()) as { token: string };
    expect((await app.api('/api/v1/auth/me', { headers: bearer(token) })).status).toBe(200);
    const patched = await app.api(`/api/v1/users/${u.id}`, { method: 'PATCH', json: { active: false } });
    expect(await patched.json()).toMatchObject({ id: u.id, active: false });
    expect((await app.api('/api/v1/auth/me', { headers: bearer(token) })).status).toBe(401);
    const list = (await (await app.api('/api/v1/users?limit=500')).json()) as {
      items: { id: string }[];
      total: number;
    };
    expect(list.items.map((i) => i.id)).toContain(u.id);
    expect(list.total).toBe(list.items.length);
  });

  it('creates service API keys that can mint tokens but not manage users, and revokes them', async () => {
    const created = await app.api('/api/v1/api-keys', {
      method: 'POST',
      json: { name: 'CRM backend', role: 'service' },
    });
    expect(created.status).toBe(201);
    const { id, key } = (await created.json()) as { id: string; key: string };
    expect(key).toMatch(/^sbk_/);
    const listed = (await (await app.api('/api/v1/api-keys')).json()) as { id: string; key?: string }[];
    expect(listed.find((k) => k.id === id)).toBeDefined();
    expect(listed.every((k) => k.key === undefined)).toBe(true); // the key itself is never shown again
    const asService = { 'x-api-key': key };
    expect(
      (
        await app.api('/api/v1/auth/token', {
          method: 'POST',
          headers: asService,
          json: { userId: operatorId },
        })
      ).status,
    ).toBe(201);
    expect((await app.api('/api/v1/users', { headers: asService })).status).toBe(403);
    expect((await app.api(`/api/v1/api-keys/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.api('/api/v1/auth/me', { headers: asService })).status).toBe(401);
  });

  it('serves Prometheus metrics and the OpenAPI document to authenticated callers', async () => {
    const metrics = await app.api('/metrics');
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('switchboard_http_request_duration_seconds');
    const doc = (await (await app.api('/docs-json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/health', '/api/v1/users', '/api/v1/auth/token']),
    );
  });
});
