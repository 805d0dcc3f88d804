import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '../../../src/bootstrap.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from '../../support/test-app.js';
import { createTestDatabase } from '../../support/test-database.js';
import { until } from '../../support/until.js';

export { until };

export const FIXTURES = join(import.meta.dirname, '../../fixtures/asterisk-22');

/** What GET /api/v1/comm-events answers per item (the fields the tests read). */
export interface CommEventItem {
  id: string;
  pbxId: string;
  linkedid: string;
  direction: string;
  status: string;
  outcome: string | null;
  fromNumber: string | null;
  fromE164: string | null;
  toNumber: string | null;
  toE164: string | null;
  queue: string | null;
  agentUserId: string | null;
  agentExtension: string | null;
  agentName: string | null;
  contactId: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  waitSeconds: number | null;
  talkSeconds: number | null;
  recordingUrl: string | null;
  transfers: unknown[];
}

export interface CallsApp extends RunningApp {
  databaseUrl: string;
  dataDir: string;
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** Every CommEvent, following nextCursor (admin key unless headers say otherwise). */
  commEvents(query?: string, headers?: Record<string, string>): Promise<CommEventItem[]>;
  close(): Promise<void>;
}

/**
 * The whole app in process, like test/support/test-app.ts, but the database and DATA_DIR may be
 * given (to restart on the same ones, or to reach PostgreSQL through a proxy). The caller drops the
 * database and removes the DATA_DIR it gave; a database created here is dropped by `dropDatabase()`,
 * a DATA_DIR created here is removed by `close()` (so a test that restarts on it creates its own).
 */
export async function startCallsApp(
  opts: { databaseUrl?: string; dataDir?: string; env?: Record<string, string> } = {},
): Promise<CallsApp & { dropDatabase(): Promise<void> }> {
  const db = opts.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = opts.databaseUrl ?? db!.url;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'switchboard-calls-'));
  const removeDataDir = () => {
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    AGI_PORT: '0',
    EMBEDDED_SIMULATOR: 'off',
    COMM_EVENTS_FLUSH_MS: '20',
    ...opts.env,
  });
  const running = await startApp(config).catch((e: unknown) => {
    removeDataDir();
    throw e;
  });
  const api = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('x-api-key') && !headers.has('authorization')) headers.set('x-api-key', TEST_ADMIN_KEY);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    return fetch(running.url + path, {
      ...init,
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });
  };
  const commEvents = async (query = '', headers?: Record<string, string>) => {
    const out: CommEventItem[] = [];
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams(query);
      q.set('limit', '200');
      if (cursor) q.set('cursor', cursor);
      const res = await api(`/api/v1/comm-events?${q.toString()}`, { headers });
      if (res.status !== 200) throw new Error(`GET /api/v1/comm-events: ${res.status} ${await res.text()}`);
      const page = (await res.json()) as { items: CommEventItem[]; nextCursor: string | null };
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  };
  return {
    ...running,
    databaseUrl,
    dataDir,
    api,
    commEvents,
    close: async () => {
      try {
        await running.close();
      } finally {
        removeDataDir();
      }
    },
    dropDatabase: async () => {
      await db?.drop();
    },
  };
}

/** Adds a PBX over REST (its AMI link opens at once); returns its id. */
export async function addPbx(app: CallsApp, name: string, port: number): Promise<string> {
  const res = await app.api('/api/v1/pbxes', {
    method: 'POST',
    json: { name, amiHost: '127.0.0.1', amiPort: port, amiUsername: 'crm', amiSecret: 'labsecret' },
  });
  if (res.status !== 201) throw new Error(`POST /api/v1/pbxes: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** The complete CommEvents of one PBX once `n` of them are there. */
export async function completeCalls(
  app: CallsApp,
  pbxId: string,
  n: number,
  ms = 20_000,
): Promise<CommEventItem[]> {
  return until(
    `${n} complete CommEvents of PBX ${pbxId}`,
    async () => {
      const rows = (await app.commEvents()).filter((r) => r.pbxId === pbxId);
      return rows.length === n && rows.every((r) => r.status === 'complete') ? rows : undefined;
    },
    ms,
  );
}
