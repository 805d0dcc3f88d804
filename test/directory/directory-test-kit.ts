import { freePort } from '../support/free-port.js';
import type { TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

export { until };

/** Small helpers the directory tests share: people with tokens, JSON calls that check the status. */
export interface Person {
  id: string;
  token: string;
  headers: Record<string, string>;
}

export async function person(
  app: TestApp,
  displayName: string,
  role: 'admin' | 'supervisor' | 'operator',
): Promise<Person> {
  const created = await app.api('/api/v1/users', { method: 'POST', json: { displayName, role } });
  if (created.status !== 201)
    throw new Error(`user ${displayName}: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  const tok = await app.api('/api/v1/auth/token', { method: 'POST', json: { userId: id } });
  const { token } = (await tok.json()) as { token: string };
  return { id, token, headers: { authorization: `Bearer ${token}` } };
}

export interface Call {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies, asserted field by field
}

/** Calls the API (admin key unless `as` is given) and gives the status and the parsed body. */
export async function call(
  app: TestApp,
  method: string,
  path: string,
  json?: unknown,
  as?: Person | Record<string, string>,
): Promise<Call> {
  const headers = as
    ? 'headers' in as
      ? (as as Person).headers
      : (as as Record<string, string>)
    : undefined;
  const res = await app.api(path, { method, json, headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * The default PBX "lab" at a port nothing listens on: its AMI link stays down, so the directory
 * keeps its own state and every change that needs Asterisk answers `pending`.
 */
export async function unreachablePbx(app: TestApp, fields: Record<string, unknown> = {}): Promise<Call> {
  return call(app, 'POST', '/api/v1/pbxes', {
    name: 'lab',
    amiHost: '127.0.0.1',
    amiPort: await freePort(),
    amiUsername: 'crm',
    amiSecret: 'labsecret',
    isDefault: true,
    ...fields,
  });
}

/** The fields a 400 named. */
export function badFields(c: Call): string[] {
  if (c.status !== 400) throw new Error(`expected 400, got ${c.status}: ${JSON.stringify(c.body)}`);
  return [...new Set((c.body.error.details as { field: string }[]).map((d) => d.field))].sort();
}
