import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { until } from '../support/until.js';

const MAIN = resolve(import.meta.dirname, '../../dist/src/main.js');

/** Runs the compiled service as `npm start` does, with exactly the given environment. */
function startService(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  const child = spawn(process.execPath, [MAIN], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

/**
 * After a failure part way: SIGTERM (the app stops its embedded PostgreSQL), SIGKILL if it hangs,
 * then the PostgreSQL of postmaster.pid if it outlived the app, and the temporary directory.
 */
async function stopLeavingNothing(svc: ReturnType<typeof startService>, dataDir: string): Promise<void> {
  if (svc.child.exitCode === null && svc.child.signalCode === null) {
    svc.child.kill('SIGTERM');
    const stopped = await Promise.race([svc.exited.then(() => true), sleep(15_000).then(() => false)]);
    if (!stopped) svc.child.kill('SIGKILL');
  }
  const pidFile = join(dataDir, 'pg', 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pgPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      process.kill(pgPid, 'SIGINT'); // fast shutdown
      for (let i = 0; i < 50 && isAlive(pgPid); i++) await sleep(100);
    } catch {
      // already gone
    }
  }
  rmSync(resolve(dataDir, '..'), { recursive: true, force: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('starting the service as a user does (dist/src/main.js)', () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error('dist/ is missing: run `npm run build` first (npm test does it)');
  });

  it('refuses a bad setting with one message naming every problem', async () => {
    const svc = startService({ PORT: 'eighty', AMI_HOST: 'pbx.example', DATABASE_URL: 'mysql://x' });
    const code = await svc.exited;
    expect(code).toBe(78);
    const out = svc.output();
    expect(out).toContain('Invalid configuration');
    expect(out).toMatch(/PORT must be an integer number \(got "eighty"\)/);
    expect(out).toContain('AMI_USERNAME is required when AMI_HOST is set');
    expect(out).toContain('DATABASE_URL must be a postgres:// URL');
  });

  it('with no settings at all, starts the embedded PostgreSQL, answers /health ok, and stops cleanly', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'switchboard-start-')), 'data');
    chmodSync(resolve(dataDir, '..'), 0o755);
    const svc = startService({ DATA_DIR: dataDir, PORT: '0' });
    try {
      const url = await until(
        'the listening line',
        () => /listening on (http:\/\/[\d.:]+)/.exec(svc.output())?.[1],
        30_000,
      );
      // The HTTP server listens before the embedded simulator's AMI link is up: /health says
      // degraded until then, so poll it (the bound only stops a hang) and check the last answer.
      let health: { status: number; body: unknown } = { status: 0, body: null };
      const deadline = Date.now() + 30_000;
      do {
        const res = await fetch(`${url}/health`);
        health = { status: res.status, body: await res.json() };
        if ((health.body as { status?: string }).status === 'ok') break;
        await new Promise((r) => setTimeout(r, 100));
      } while (Date.now() < deadline);
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', components: { database: { status: 'up' } } });
      // the generated admin key works, and is nowhere in the log
      const key = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
      expect((await fetch(`${url}/api/v1/users`, { headers: { 'x-api-key': key } })).status).toBe(200);
      expect(svc.output()).not.toContain(key);
      const pgPid = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      svc.child.kill('SIGTERM');
      expect(await svc.exited).toBe(0);
      expect(() => process.kill(pgPid, 0)).toThrow(); // the embedded server stopped with the app
    } finally {
      await stopLeavingNothing(svc, dataDir);
    }
  });
});
