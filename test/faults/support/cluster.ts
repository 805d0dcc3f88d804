import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from '../../support/test-app.js';
import { type Probe, until as pollUntil } from '../../support/until.js';
import { freePort } from '../../support/free-port.js';

const MAIN = resolve(import.meta.dirname, '../../../dist/src/main.js');

export const REDIS_URL = process.env.FAULTS_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type Health = {
  status: string;
  components: Record<string, Record<string, unknown> & { status: string }>;
};

export interface Instance {
  name: string;
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  json<T = unknown>(path: string, init?: RequestInit & { json?: unknown }): Promise<T>;
  health(): Promise<Health>;
  /** One sample of a /metrics line, e.g. metric('process_resident_memory_bytes'). */
  metric(name: string, labels?: string): Promise<number | undefined>;
  /** SIGTERM (graceful) unless told otherwise; resolves when the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** test/support/until.ts at the 100 ms pace this suite has always polled its instances at. */
export const until = <T>(what: string, probe: Probe<T>, ms = 20_000): Promise<T> =>
  pollUntil(what, probe, ms, 100);

export { freePort };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The service as `npm start` runs it (dist/src/main.js), with the test admin key and JWT secret. */
export async function spawnInstance(name: string, env: Record<string, string>): Promise<Instance> {
  if (!existsSync(MAIN))
    throw new Error('dist/ is missing: run `npm run build` first (npm run test:faults does it)');
  const dataDir = mkdtempSync(join(tmpdir(), `switchboard-fault-${name}-`));
  const port = await freePort();
  chmodSync(dataDir, 0o755);
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      JWT_SECRET: TEST_JWT_SECRET,
      AGI_PORT: '0',
      EMBEDDED_SIMULATOR: 'off',
      INSTANCE_NAME: name,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000); // bounded: a long soak logs
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // The child never outlives the test process (a crashed or killed run must not leave instances
  // holding ports and CPU), and its DATA_DIR goes with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      rmSync(dataDir, { recursive: true, force: true });
      r(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await until(
      `${name} answering /health`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${out}`);
        return (await fetch(`${url}/health`).catch(() => undefined))?.status !== undefined;
      },
      60_000,
    );
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const api = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('x-api-key') && !headers.has('authorization')) headers.set('x-api-key', TEST_ADMIN_KEY);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    return fetch(url + path, {
      ...init,
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });
  };
  const inst: Instance = {
    name,
    url,
    child,
    output: () => out,
    exited,
    api,
    json: async <T>(path: string, init?: RequestInit & { json?: unknown }) => {
      const res = await api(path, init);
      const text = await res.text();
      if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    health: async () => (await (await fetch(`${url}/health`)).json()) as Health,
    metric: async (metric: string, labels?: string) => {
      const text = await (await api('/metrics')).text();
      const prefix = labels ? `${metric}{${labels}}` : `${metric} `;
      const line = text.split('\n').find((l) => l.startsWith(prefix));
      return line === undefined ? undefined : Number(line.trim().split(' ').pop());
    },
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  return inst;
}

/** Creates a user with a token (role operator unless told). */
export async function person(
  inst: Instance,
  displayName: string,
  role: 'admin' | 'supervisor' | 'operator' = 'operator',
): Promise<{ id: string; token: string }> {
  const { id } = await inst.json<{ id: string }>('/api/v1/users', {
    method: 'POST',
    json: { displayName, role },
  });
  const { token } = await inst.json<{ token: string }>('/api/v1/auth/token', {
    method: 'POST',
    json: { userId: id },
  });
  return { id, token };
}

/** A PBX in the registry (reached through `port`, a relay or the simulator itself). */
export async function addPbx(
  inst: Instance,
  name: string,
  port: number,
  region: string | null = null,
): Promise<string> {
  const { id } = await inst.json<{ id: string }>('/api/v1/pbxes', {
    method: 'POST',
    json: { name, amiHost: '127.0.0.1', amiPort: port, amiUsername: 'crm', amiSecret: 'labsecret', region },
  });
  return id;
}

export interface CommEvent {
  id: string;
  pbxId: string;
  linkedid: string;
  status: string;
  outcome: string | null;
  queue: string | null;
  agentExtension: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  talkSeconds: number | null;
  waitSeconds: number | null;
}

/** Every CommEvent (following the cursor). */
export async function commEvents(inst: Instance, query = ''): Promise<CommEvent[]> {
  const out: CommEvent[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams(query);
    q.set('limit', '200');
    if (cursor) q.set('cursor', cursor);
    const page: { items: CommEvent[]; nextCursor: string | null } = await inst.json(
      `/api/v1/comm-events?${q}`,
    );
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** The detail of one CommEvent (note included). */
export function commEvent(inst: Instance, id: string): Promise<CommEvent & { note: string | null }> {
  return inst.json(`/api/v1/comm-events/${id}`);
}

/**
 * Watches a PBX simulator as a plain AMI client with every event on: the calls it really placed
 * (one per Linkedid: a Newchannel whose Uniqueid is its Linkedid), independent of the app.
 */
export async function observeCalls(port: number): Promise<{ linkedids: Set<string>; stop(): Promise<void> }> {
  const { AmiClient } = await import('../../../src/modules/ami/client/ami-client.js');
  const client = new AmiClient({
    name: 'observer',
    host: '127.0.0.1',
    port,
    username: 'crm',
    secret: 'labsecret',
    events: 'on',
    pingIntervalMs: 0,
  });
  const linkedids = new Set<string>();
  client.on('event', (msg) => {
    const h = msg.headers;
    if (h['event'] === 'Newchannel' && typeof h['uniqueid'] === 'string' && h['uniqueid'] === h['linkedid'])
      linkedids.add(h['linkedid']);
  });
  client.start();
  await until('observer logged in', () => client.state === 'ready', 10_000);
  return { linkedids, stop: () => client.stop() };
}

/**
 * The lab's directory on one PBX: peers 1001 (Alice), 1002 (Bob), 1003 (Carol) as Local/<ext>@phones,
 * groups Support (queue support) and Sales (queue sales) with the members logged in.
 */
export async function setupLab(
  inst: Instance,
  pbxId: string,
  tag: string,
): Promise<{
  alice: { id: string; token: string };
  bob: { id: string; token: string };
  carol: { id: string; token: string };
}> {
  const alice = await person(inst, `Alice ${tag}`);
  const bob = await person(inst, `Bob ${tag}`);
  const carol = await person(inst, `Carol ${tag}`);
  for (const [who, ext] of [
    [alice, '1001'],
    [bob, '1002'],
    [carol, '1003'],
  ] as const) {
    await inst.json('/api/v1/peers', {
      method: 'POST',
      json: {
        userId: who.id,
        pbxId,
        extension: ext,
        dialInterface: `Local/${ext}@phones/n`,
        stateInterface: `Custom:${ext}`,
      },
    });
  }
  const support = await inst.json<{ id: string }>('/api/v1/groups', {
    method: 'POST',
    json: { name: `Support ${tag}`, queue: 'support', pbxId },
  });
  const sales = await inst.json<{ id: string }>('/api/v1/groups', {
    method: 'POST',
    json: { name: `Sales ${tag}`, queue: 'sales', pbxId },
  });
  for (const [group, who] of [
    [support, alice],
    [support, bob],
    [sales, carol],
  ] as const) {
    await inst.json(`/api/v1/groups/${group.id}/members`, {
      method: 'POST',
      json: { userId: who.id, role: 'member' },
    });
    await inst.json(`/api/v1/groups/${group.id}/members/${who.id}/login`, { method: 'POST' });
  }
  return { alice, bob, carol };
}
