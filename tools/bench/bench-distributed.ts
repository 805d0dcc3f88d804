/**
 * Two PBXes through one instance, then through two: the throughput of the ingest split.
 *
 *   npm run build && node dist/tools/bench/bench-distributed.js [--repeat 50] [--timeout 300]
 *
 * Two PBX simulators (sim-cli child processes) replay busy-hour-24-calls.ami --repeat times each at
 * max speed (fresh Uniqueids/Linkedids per pass: 24 x repeat calls per PBX), to Switchboard run as
 * `node dist/src/main.js` child processes on one PostgreSQL (DATABASE_URL's server in a scratch
 * database, else an embedded one): first one instance ingesting both PBXes, then two instances in
 * two regions, each ingesting its own PBX (the ingest lease). Both simulators start together
 * (SIGUSR2); the clock stops when every call of both is a complete CommEvent (counted every
 * 100 ms). Prints calls persisted per second for each layout and each instance's CPU time; exits 1
 * if a call is missing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { scratchDatabase } from './scratch-database.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
};
const repeat = Math.floor(arg('repeat', 50));
const timeoutMs = arg('timeout', 300) * 1000;
const perPbx = 24 * repeat;
const root = resolve(import.meta.dirname, '../../..');
const trace = join(root, 'test/fixtures/asterisk-22/busy-hour-24-calls.ami');
const simCli = join(root, 'dist/src/simulator/sim-cli.js');
const main = join(root, 'dist/src/main.js');
const ADMIN_KEY = `sbk_bench-${randomBytes(12).toString('hex')}`;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startSimulator(): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      simCli,
      '--port',
      String(port),
      '--trace',
      trace,
      '--speed',
      'max',
      '--repeat',
      String(repeat),
      '--no-autoplay',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  await new Promise<void>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`sim-cli exited with ${code}: ${out}`)));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out = (out + chunk).slice(-4096);
      if (/listening on/.test(out)) ok();
    });
  });
  return { port, child };
}

interface Instance {
  url: string;
  child: ChildProcess;
  api(path: string, json?: unknown, method?: string): Promise<unknown>;
  cpuSeconds(): Promise<number>;
}

async function startInstance(name: string, databaseUrl: string, region: string): Promise<Instance> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `switchboard-bench-dist-${name}-`));
  chmodSync(dataDir, 0o755);
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      LOG_LEVEL: 'error',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      ADMIN_API_KEY: ADMIN_KEY,
      JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789',
      AGI_PORT: '0',
      EMBEDDED_SIMULATOR: 'off',
      OPENAPI_ENABLED: 'false',
      INSTANCE_NAME: name,
      INSTANCE_REGION: region,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}`);
    if ((await fetch(`${url}/health`).catch(() => undefined)) !== undefined) break;
    if (i > 600) throw new Error(`${name} did not start`);
    await sleep(100);
  }
  const api = async (path: string, json?: unknown, method = json === undefined ? 'GET' : 'POST') => {
    const res = await fetch(url + path, {
      method,
      headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<unknown>;
  };
  const cpuSeconds = async () => {
    const text = await (await fetch(`${url}/metrics`, { headers: { 'x-api-key': ADMIN_KEY } })).text();
    const line = text.split('\n').find((l) => l.startsWith('process_cpu_seconds_total '));
    return Number(line?.split(' ')[1] ?? 0);
  };
  return { url, child, api, cpuSeconds };
}

async function run(
  server: string,
  instances: 1 | 2,
): Promise<{ seconds: number; persisted: number; cpu: number[] }> {
  const db = await scratchDatabase(server);
  const sims = [await startSimulator(), await startSimulator()];
  const apps: Instance[] = [];
  try {
    apps.push(await startInstance('bench-a', db.url, 'a'));
    for (const [i, sim] of sims.entries()) {
      await apps[0].api('/api/v1/pbxes', {
        name: `pbx-${i}`,
        amiHost: '127.0.0.1',
        amiPort: sim.port,
        amiUsername: 'crm',
        amiSecret: 'labsecret',
        region: instances === 2 ? (i === 0 ? 'a' : 'b') : 'a',
      });
    }
    if (instances === 2) apps.push(await startInstance('bench-b', db.url, 'b'));
    // Wait for the layout: with two instances each ingests its region's PBX (B after the handback).
    for (let i = 0; ; i++) {
      const healths = await Promise.all(
        apps.map(
          async (a) =>
            (await (await fetch(`${a.url}/health`)).json()) as {
              components: Record<string, { ingesting?: boolean; status: string }>;
            },
        ),
      );
      const ingesting = (n: number) =>
        healths.filter(
          (h) => h.components[`ami:pbx-${n}`]?.ingesting && h.components[`ami:pbx-${n}`]?.status === 'up',
        ).length;
      const spread =
        instances === 1 ||
        (healths[0].components['ami:pbx-0']?.ingesting && healths[1].components['ami:pbx-1']?.ingesting);
      if (ingesting(0) === 1 && ingesting(1) === 1 && spread) break;
      if (i > 300) throw new Error('the ingest layout did not settle');
      await sleep(100);
    }
    await sleep(1500); // the snapshots after each 'ready'
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const cpu0 = await Promise.all(apps.map((a) => a.cpuSeconds()));
    const started = performance.now();
    for (const s of sims) s.child.kill('SIGUSR2');
    let persisted = 0;
    const deadline = Date.now() + timeoutMs;
    while (persisted < 2 * perPbx && Date.now() < deadline) {
      await sleep(100);
      persisted = (
        await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM comm_events WHERE status = 'complete'`,
        )
      ).rows[0].n;
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu1 = await Promise.all(apps.map((a) => a.cpuSeconds()));
    await client.end();
    return { seconds, persisted, cpu: cpu1.map((c, i) => c - cpu0[i]) };
  } finally {
    for (const a of apps) a.child.kill('SIGTERM');
    for (const s of sims) s.child.kill('SIGTERM');
    await Promise.all(
      apps.map((a) => new Promise((r) => (a.child.exitCode !== null ? r(null) : a.child.once('exit', r)))),
    );
    await db.drop();
  }
}

async function mainRun(): Promise<void> {
  let server = process.env.DATABASE_URL;
  let embedded: { stop(): Promise<void> } | undefined;
  let dir: string | undefined;
  if (!server) {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-dist-pg-'));
    chmodSync(dir, 0o755);
    const db = await startEmbeddedPostgres(join(dir, 'pg'), 0, () => undefined);
    server = db.url;
    embedded = db;
  }
  let exit = 0;
  try {
    console.log(
      `Two PBXes, busy-hour-24-calls.ami x ${repeat} each (${2 * perPbx} calls), simulators at max speed`,
    );
    console.log(`  machine   ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}`);
    for (const n of [1, 2] as const) {
      const r = await run(server, n);
      const ok = r.persisted === 2 * perPbx;
      if (!ok) exit = 1;
      console.log(
        `  ${n} instance${n === 1 ? ' ' : 's'} ${r.persisted}/${2 * perPbx} calls in ${r.seconds.toFixed(2)} s: ${Math.round(r.persisted / r.seconds)} calls/s; app CPU ${r.cpu.map((c) => `${c.toFixed(1)} s`).join(' + ')}${ok ? '' : '  MISSING CALLS: FAIL'}`,
      );
    }
  } finally {
    await embedded?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  process.exit(exit);
}

mainRun().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
