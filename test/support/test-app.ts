import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createTestDatabase } from './test-database.js';

export const TEST_ADMIN_KEY = 'sbk_test-admin-key-0123456789abcdef';
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';

export interface TestApp extends RunningApp {
  databaseUrl: string;
  /** fetch against the app with the admin API key unless headers say otherwise. */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

/** The whole app, in process, on an ephemeral port and a fresh database. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    AGI_PORT: '0', // several suites run at once: never the fixed 4573
    EMBEDDED_SIMULATOR: 'off',
    ...env,
  });
  const running = await startApp(config);
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
  return {
    ...running,
    databaseUrl: db.url,
    api,
    stop: async () => {
      await running.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
