/**
 * Calls end to end: AMI events in, CommEvents in PostgreSQL out, through the running app.
 *
 *   npm run bench:calls                              (builds, then runs dist/tools/bench/bench-calls.js)
 *   node dist/tools/bench/bench-calls.js --repeat 100 [--timeout 300] [--no-agents]
 *
 * The PBX simulator (a child process: `sim-cli`) replays busy-hour-24-calls.ami --repeat times at
 * max speed, each pass with fresh Uniqueids/Linkedids, to Switchboard started in this process with
 * startApp() (PostgreSQL: DATABASE_URL's server in a scratch database, else the embedded one in a
 * temporary directory), once the lab's agents exist as users with phones and the link is up. The clock starts at the first AMI event the app receives and stops when
 * every call is a complete CommEvent (24 per pass, counted in the database every 100 ms). Prints
 * calls persisted per second, AMI events per second and the app process's peak RSS, and exits 1
 * unless every call was persisted with the recording's outcomes (10 answered, 14 abandoned a pass).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { startApp } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/load-config.js';
import { AmiGatewayService } from '../../src/modules/ami/ami-gateway.service.js';
import { scratchDatabaseFromEnv } from './scratch-database.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
};
const repeat = Math.floor(arg('repeat', 100));
/** Without the agents' users and phones: no agent user to resolve, no operator popups. */
const withAgents = !args.includes('--no-agents');
const timeoutMs = arg('timeout', 300) * 1000;
const CALLS_PER_PASS = 24;
const expected = CALLS_PER_PASS * repeat;

const root = resolve(import.meta.dirname, '../../..');
const trace = join(root, 'test/fixtures/asterisk-22/busy-hour-24-calls.ami');
const simCli = join(root, 'dist/src/simulator/sim-cli.js');

/** sim-cli in a child process; resolves with its port once it listens. */
function startSimulator(): Promise<{ port: number; play(): void; stop(): void; done: Promise<string> }> {
  const child = spawn(
    process.execPath,
    [simCli, '--port', '0', '--trace', trace, '--speed', 'max', '--repeat', String(repeat), '--no-autoplay'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  let resolveDone!: (line: string) => void;
  const done = new Promise<string>((r) => (resolveDone = r));
  return new Promise((resolvePort, reject) => {
    child.once('exit', (code) => reject(new Error(`sim-cli exited with ${code}: ${out}`)));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /listening on [\d.]+:(\d+)/.exec(out);
      if (m)
        resolvePort({
          port: Number(m[1]),
          play: () => child.kill('SIGUSR2'),
          stop: () => child.kill('SIGTERM'),
          done,
        });
      const d = /replay done.*/.exec(out);
      if (d) resolveDone(d[0]);
      if (out.length > 65_536) out = out.slice(-4096);
    });
  });
}

/** The lab's agents as users with their phones (directory peers), as a call center has them. */
async function addAgents(url: string, key: string): Promise<void> {
  const call = async (path: string, method: string, json?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; name?: string }[] & { id: string };
  };
  const pbx = (await call('/api/v1/pbxes', 'GET')).find((p) => p.name === 'default')!.id;
  for (const [ext, name] of [
    ['1001', 'Alice Agent'],
    ['1002', 'Bob Agent'],
    ['1003', 'Carol Agent'],
  ]) {
    const user = await call('/api/v1/users', 'POST', { displayName: name, role: 'operator' });
    await call('/api/v1/peers', 'POST', {
      userId: user.id,
      pbxId: pbx,
      extension: ext,
      dialInterface: `Local/${ext}@phones/n`,
    });
  }
}

async function main(): Promise<void> {
  const adminKey = `sbk_bench_${randomBytes(16).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-calls-'));
  chmodSync(dataDir, 0o755); // as root, the embedded server runs as the postgres user, who must reach it
  const db = await scratchDatabaseFromEnv();
  const sim = await startSimulator();
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'error',
    DATA_DIR: dataDir,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    AMI_HOST: '127.0.0.1',
    AMI_PORT: String(sim.port),
    AMI_USERNAME: 'crm',
    AMI_SECRET: 'labsecret',
    AGI_PORT: '0',
    EMBEDDED_SIMULATOR: 'off',
    OPENAPI_ENABLED: 'false',
    ADMIN_API_KEY: adminKey,
  });

  let events = 0;
  let firstEventAt = 0;
  let lastEventAt = 0;
  let peakRss = process.memoryUsage.rss();
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  let cpuAtFirstEvent = process.cpuUsage();

  const app = await startApp(config);
  let exitCode = 0;
  try {
    const gateway = app.app.get(AmiGatewayService);
    gateway.on('event', () => {
      const now = performance.now();
      if (events++ === 0) {
        firstEventAt = now;
        cpuAtFirstEvent = process.cpuUsage();
      }
      lastEventAt = now;
    });
    if (withAgents) await addAgents(app.url, adminKey);
    const pbx = gateway.statuses().find((l) => l.name === 'default');
    for (let i = 0; i < 200 && !(pbx && gateway.isReady(pbx.pbxId)); i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500)); // the link's first snapshot
    sim.play();
    const ds = app.app.get(DataSource);
    const count = async () =>
      (
        (await ds.query(`SELECT count(*)::int AS n FROM comm_events WHERE status = 'complete'`)) as {
          n: number;
        }[]
      )[0].n;

    const deadline = Date.now() + timeoutMs;
    let persisted = 0;
    while (persisted < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      persisted = await count();
    }
    const endedAt = performance.now();
    const cpu = process.cpuUsage(cpuAtFirstEvent);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const replay = await Promise.race([
      sim.done,
      new Promise<string>((r) => setTimeout(() => r('(not reported)'), 1000)),
    ]);
    const outcomes = (await ds.query(
      `SELECT outcome, count(*)::int AS n FROM comm_events GROUP BY outcome ORDER BY outcome`,
    )) as { outcome: string; n: number }[];
    const total = (await ds.query(`SELECT count(*)::int AS n FROM comm_events`)) as { n: number }[];
    const withAgent = (
      (await ds.query(
        `SELECT count(*)::int AS n FROM comm_events WHERE outcome = 'answered' AND agent_user_id IS NOT NULL`,
      )) as { n: number }[]
    )[0].n;
    const seconds = (endedAt - firstEventAt) / 1000;
    const eventSeconds = (lastEventAt - firstEventAt) / 1000;
    const answered = outcomes.find((o) => o.outcome === 'answered')?.n ?? 0;
    const abandoned = outcomes.find((o) => o.outcome === 'abandoned')?.n ?? 0;
    const ok =
      persisted === expected &&
      total[0].n === expected &&
      answered === 10 * repeat &&
      abandoned === 14 * repeat;

    console.log(
      `Calls end to end: busy-hour-24-calls.ami x ${repeat} (${expected} calls), simulator at max speed, ` +
        (withAgents ? 'agents with users and phones' : 'no agents in the directory (--no-agents)'),
    );
    console.log(
      `  machine              ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}`,
    );
    console.log(`  simulator            ${replay}`);
    console.log(
      `  AMI events received  ${events} in ${eventSeconds.toFixed(2)} s: ${Math.round(events / eventSeconds)} events/s`,
    );
    console.log(
      `  calls persisted      ${persisted}/${expected} complete in ${seconds.toFixed(2)} s (first event to last row): ${Math.round(persisted / seconds)} calls/s`,
    );
    console.log(
      `  app CPU              ${cpuSeconds.toFixed(2)} s over that time (${Math.round((100 * cpuSeconds) / seconds)}% of one core): ${Math.round(persisted / cpuSeconds)} calls per CPU-second`,
    );
    console.log(
      `  outcomes             ${outcomes.map((o) => `${o.outcome ?? 'none'} ${o.n}`).join(', ')}; answered with the agent's user: ${withAgent}`,
    );
    console.log(
      `  peak RSS (app)       ${(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1048576).toFixed(0)} MiB`,
    );
    console.log(ok ? '  every call persisted with its outcome: OK' : '  MISSING OR WRONG CommEvents: FAIL');
    if (!ok) exitCode = 1;
  } finally {
    clearInterval(rssTimer);
    sim.stop();
    await app.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
