/**
 * FastAGI routing under load: the real server (the whole app, 100,000 contacts, the directory)
 * against a do-nothing FastAGI server, in the same run, on the same machine.
 *
 *   npm run bench:agi                  (builds, then runs dist/tools/bench/bench-agi.js)
 *   node dist/tools/bench/bench-agi.js --contacts 100000 --requests 5000 --concurrency 32 --rates 250,500,1000 --seconds 10
 *
 * Three processes besides PostgreSQL: this one drives the load like Asterisk (connect, write the
 * recorded `agi_*` header, answer `200 result=1` to each command, close), a child running the app
 * (`startApp`, as `npm start` does), and a child running the do-nothing server. The do-nothing
 * server speaks the same protocol with the same pure parser and session, looks nothing up and
 * answers every call with the least there is, `SET VARIABLE CRM_EXTEN ""`: the floor of this
 * machine for one FastAGI conversation. (Switchboard sends one command for an unknown caller,
 * four or five for a known one.)
 *
 * Latency is one whole conversation as Asterisk sees it: from connect() to the server closing.
 * The closed-loop runs keep --concurrency conversations in flight; the paced run starts one every
 * 1/--rate s whatever happens (open loop) and measures each from its scheduled start, so that a
 * stall shows in the figures instead of slowing the load down. Half the callers are known (half of
 * those have their agent logged in), half unknown; every answer is checked ("failures").
 */
import { fork, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, setVariable } from '../../src/protocol/agi/agi-command.js';
import { AgiRequestParser } from '../../src/protocol/agi/agi-request-parser.js';
import { AgiSession } from '../../src/protocol/agi/agi-session.js';
import { scratchDatabase } from './scratch-database.js';

const ADMIN_KEY = 'sbk_bench-admin-key-0123456789abcdef';
const AGENTS = 50;
const FIXTURE = join(import.meta.dirname, '../../../test/fixtures/asterisk-22/agi-routed-direct.agi.jsonl');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

// ---------------------------------------------------------------------------------------------
// Children
// ---------------------------------------------------------------------------------------------

type ChildMessage = { ready: { port: number; url?: string } } | { error: string } | { cpuMs: number };

/** Both children answer `{ cpu: 'start' }` / `{ cpu: 'stop' }` with their CPU time (user + system) in between. */
function answerCpuQueries(): void {
  let since = process.cpuUsage();
  process.on('message', (m: { cpu?: 'start' | 'stop' }) => {
    if (m.cpu === 'start') since = process.cpuUsage();
    if (m.cpu === 'stop') {
      const d = process.cpuUsage(since);
      process.send!({ cpuMs: (d.user + d.system) / 1000 } satisfies ChildMessage);
    }
  });
}

async function cpuOf<T>(child: ChildProcess, run: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  child.send({ cpu: 'start' });
  const result = await run();
  const answer = new Promise<number>((resolve) => {
    const on = (m: { cpuMs?: number }) => {
      if (m.cpuMs === undefined) return;
      child.off('message', on);
      resolve(m.cpuMs);
    };
    child.on('message', on);
  });
  child.send({ cpu: 'stop' });
  return { result, cpuMs: await answer };
}

async function serveApp(env: Record<string, string>): Promise<void> {
  const { loadConfig } = await import('../../src/config/load-config.js');
  const { startApp } = await import('../../src/bootstrap.js');
  const { AgiServer } = await import('../../src/modules/agi/agi-server.js');
  const running = await startApp(loadConfig(env));
  process.send!({
    ready: { port: running.app.get(AgiServer).port, url: running.url },
  } satisfies ChildMessage);
  process.on('disconnect', () => void running.close().then(() => process.exit(0)));
  answerCpuQueries();
  // --profile: a CPU profile of the app during the closed-loop run only (not the seeding).
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  process.on('message', (m: { profile?: 'start' | string }) => {
    if (m.profile === 'start') {
      session.connect();
      void session.post('Profiler.enable').then(() => session.post('Profiler.start'));
    } else if (m.profile) {
      void session.post('Profiler.stop').then(async ({ profile }) => {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(m.profile!, JSON.stringify(profile));
        process.send!({ profiled: m.profile });
      });
    }
  });
}

/** Reads the header, answers "nobody" (SET VARIABLE CRM_EXTEN ""), closes: the least a FastAGI answer can be. */
function serveNull(): void {
  const fixed: [string, string][] = [['CRM_EXTEN', '']];
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    const session = new AgiSession({ write: (line) => socket.write(line), maxPending: 1 });
    const parser = new AgiRequestParser((event) => {
      if (event.type !== 'request') return session.handle(event);
      void (async () => {
        try {
          for (const [name, value] of fixed) await session.send(setVariable(name, value));
        } catch {
          /* hung up */
        }
        socket.end();
      })();
    });
    socket.on('data', (c: Buffer) => parser.push(c));
    socket.on('end', () => session.close());
  });
  server.listen(0, '127.0.0.1', () => {
    process.send!({ ready: { port: (server.address() as { port: number }).port } } satisfies ChildMessage);
  });
  process.on('disconnect', () => process.exit(0));
  answerCpuQueries();
}

function startChild(
  mode: string,
  payload?: unknown,
): Promise<{ child: ChildProcess; port: number; url?: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, ['--child', mode, JSON.stringify(payload ?? null)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m: ChildMessage) =>
      'ready' in m
        ? resolve({ child, ...m.ready })
        : reject(new Error('error' in m ? m.error : 'no ready message')),
    );
    child.once('exit', (code) => reject(new Error(`${mode} child exited with ${code}`)));
  });
}

// ---------------------------------------------------------------------------------------------
// The Asterisk side
// ---------------------------------------------------------------------------------------------

/** The recorded header block (the first conversation's bytes up to the empty line). */
function headerTemplate(): string {
  let header = '';
  for (const line of readFileSync(FIXTURE, 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { dir: string; data: string };
    if (r.dir !== 'asterisk') continue;
    header += r.data;
    if (header.endsWith('\n\n')) break;
  }
  return header;
}

interface Caller {
  header: Buffer;
  /** The extension the answer must carry ('' when nobody may take the call). */
  exten: string;
}

interface Outcome {
  ms: number;
  /** No answer in 5 s, a reset, or a wrong extension. */
  failed: boolean;
  /** Answered empty for a caller whose agent was available: the fail-open fallback (deadline or overload). */
  fellBack: boolean;
}

/** One FastAGI conversation as res_agi has it; resolves when the server closes. */
function converse(port: number, caller: Caller, startedAt: number, checkAnswer: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    let buffered = '';
    let exten: string | undefined;
    let failed = false;
    const timer = setTimeout(() => {
      failed = true;
      socket.destroy();
    }, 5000);
    socket.on('connect', () => socket.write(caller.header));
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let lf: number;
      while ((lf = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, lf);
        buffered = buffered.slice(lf + 1);
        if (line.startsWith('SET VARIABLE CRM_EXTEN ')) exten = parseCommandLine(line)[3];
        socket.write('200 result=1\n');
      }
    });
    socket.on('error', () => (failed = true));
    socket.on('close', () => {
      clearTimeout(timer);
      const fellBack = !failed && checkAnswer && caller.exten !== '' && exten === '';
      const wrong = !failed && checkAnswer && !fellBack && exten !== caller.exten;
      resolve({ ms: performance.now() - startedAt, failed: failed || wrong, fellBack });
    });
  });
}

interface Stats {
  requests: number;
  failures: number;
  fellBack: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

function stats(outcomes: Outcome[], seconds: number): Stats {
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
  return {
    requests: outcomes.length,
    failures: outcomes.filter((o) => o.failed).length,
    fellBack: outcomes.filter((o) => o.fellBack).length,
    seconds,
    rps: outcomes.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    max: ms[ms.length - 1],
  };
}

async function closedLoop(
  port: number,
  callers: Callers,
  requests: number,
  concurrency: number,
  check: boolean,
) {
  const outcomes: Outcome[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next++;
        const caller = callers.next();
        outcomes.push(await converse(port, caller, performance.now(), check));
      }
    }),
  );
  return stats(outcomes, (performance.now() - started) / 1000);
}

/** Open loop: one conversation every 1/rate s, each timed from when it was due. */
async function paced(port: number, callers: Callers, rate: number, seconds: number, check: boolean) {
  const total = Math.round(rate * seconds);
  const pending: Promise<Outcome>[] = [];
  const started = performance.now();
  let launched = 0;
  while (launched < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    for (; launched < due; launched++) {
      const scheduled = started + (launched * 1000) / rate;
      pending.push(converse(port, callers.next(), scheduled, check));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const outcomes = await Promise.all(pending);
  return stats(outcomes, (performance.now() - started) / 1000);
}

/**
 * Waits until the app holds no FastAGI connection and runs no lookup (after an overloaded run
 * it may still be working through abandoned ones), then two more seconds for PostgreSQL.
 */
async function drained(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const health = (await (await fetch(`${url}/health`)).json()) as {
      components: { agi?: { connections: number; lookupsInFlight: number } };
    };
    const agi = health.components.agi;
    if (agi && agi.connections === 0 && agi.lookupsInFlight === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 2000));
}

// ---------------------------------------------------------------------------------------------
// Seeding through the API
// ---------------------------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies, read field by field
async function api(url: string, method: string, path: string, json?: unknown): Promise<any> {
  const res = await fetch(url + path, {
    method,
    headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

const mobile = (i: number) => `+7 916 ${String(i).padStart(7, '0')}`;
const office = (i: number) => `8 (495) ${String(i).padStart(7, '0')}`;

/** 50 agents with a phone each (the even ones logged in), a group, and `contacts` customers. */
async function seed(url: string, contacts: number): Promise<{ bulkSeconds: number; perRequest: number[] }> {
  const deadPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  await api(url, 'POST', '/api/v1/pbxes', {
    name: 'bench',
    amiHost: '127.0.0.1',
    amiPort: deadPort,
    amiUsername: 'crm',
    amiSecret: 'bench',
    isDefault: true,
  });
  const group = await api(url, 'POST', '/api/v1/groups', {
    name: 'Sales',
    queue: 'sales',
    numbers: ['74957770000'],
  });
  for (let a = 0; a < AGENTS; a++) {
    const user = await api(url, 'POST', '/api/v1/users', {
      displayName: `Agent ${a}`,
      role: 'operator',
      externalRef: `agent-${a}`,
    });
    await api(url, 'POST', '/api/v1/peers', {
      userId: user.id,
      extension: String(2000 + a),
      dialInterface: `Local/${2000 + a}@phones/n`,
    });
    await api(url, 'POST', `/api/v1/groups/${group.id}/members`, { userId: user.id });
    if (a % 2 === 0) await api(url, 'POST', `/api/v1/groups/${group.id}/members/${user.id}/login`, {});
  }
  const perRequest: number[] = [];
  const started = performance.now();
  for (let from = 0; from < contacts; from += 5000) {
    const batch = [];
    for (let i = from; i < Math.min(contacts, from + 5000); i++) {
      batch.push({
        externalRef: `customer-${i}`,
        displayName: `Customer ${i}`,
        company: i % 3 === 0 ? `Company ${i % 1000}` : undefined,
        responsibleUserId: `agent-${i % AGENTS}`,
        phones:
          i % 10 < 3
            ? [
                { number: mobile(i), type: 'mobile' },
                { number: office(i), type: 'work' },
              ]
            : [{ number: mobile(i) }],
      });
    }
    const t = performance.now();
    const result = await api(url, 'PUT', '/api/v1/contacts/bulk', { contacts: batch });
    if (result.failed > 0)
      throw new Error(`bulk: ${result.failed} failed: ${JSON.stringify(result.errors.slice(0, 3))}`);
    perRequest.push((performance.now() - t) / 1000);
  }
  return { bulkSeconds: (performance.now() - started) / 1000, perRequest };
}

/**
 * Callers in a fixed pseudo-random order, never the same number twice in a run (so no cache of
 * this machine, ours or PostgreSQL's, sees a repeat): even ones are customers (k * 7919 mod N
 * walks every contact once), odd ones unknown numbers.
 */
class Callers {
  private k = 0;
  private readonly template = headerTemplate();

  constructor(private readonly contacts: number) {}

  next(): Caller {
    const k = this.k++;
    const i = (Math.floor(k / 2) * 7919 + 13) % this.contacts;
    if (k % 2 === 0) {
      const agent = i % AGENTS;
      return {
        header: this.header(`+7916${String(i).padStart(7, '0')}`),
        exten: agent % 2 === 0 ? String(2000 + agent) : '',
      };
    }
    return { header: this.header(`+7926${String(k).padStart(7, '0')}`), exten: '' };
  }

  private header(number: string): Buffer {
    return Buffer.from(
      this.template
        .replace('agi_callerid: +79161234567\n', `agi_callerid: ${number}\n`)
        .replaceAll('responsible?did=74951234567', 'responsible?did=74957770000'),
    );
  }
}

// ---------------------------------------------------------------------------------------------

const fmt = (s: Stats) =>
  `${s.requests} requests in ${s.seconds.toFixed(1)} s: ${Math.round(s.rps)} req/s, ` +
  `p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(1)} ms, failures ${s.failures}${s.fellBack ? `, answered empty (fail-open) ${s.fellBack}` : ''}`;

async function main(): Promise<void> {
  const contacts = arg('contacts', 100_000);
  const requests = arg('requests', 5000);
  const concurrency = arg('concurrency', 32);
  const rates = (
    process.argv.includes('--rates')
      ? process.argv[process.argv.indexOf('--rates') + 1]
      : String(arg('rate', 1000))
  )
    .split(',')
    .map(Number);
  const seconds = arg('seconds', 10);

  const { loadConfig } = await import('../../src/config/load-config.js');
  const { startEmbeddedPostgres } = await import('../../src/database/embedded-postgres.js');
  let serverUrl = loadConfig().database.url;
  let stopEmbedded: (() => Promise<void>) | undefined;
  const scratchDirs: string[] = [];
  if (!serverUrl) {
    const parent = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
    scratchDirs.push(parent);
    chmodSync(parent, 0o755);
    const db = await startEmbeddedPostgres(join(parent, 'pg'), 0, () => undefined);
    serverUrl = db.url;
    stopEmbedded = db.stop;
  }
  const scratch = await scratchDatabase(serverUrl);

  const appDataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-data-'));
  scratchDirs.push(appDataDir);
  const children: ChildProcess[] = [];
  try {
    console.log(
      `machine: ${cpus().length} cores (${cpus()[0]?.model}), load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    const app = await startChild('app', {
      DATABASE_URL: scratch.url,
      PORT: '0',
      AGI_PORT: '0',
      LOG_LEVEL: 'error',
      ADMIN_API_KEY: ADMIN_KEY,
      JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789',
      DATA_DIR: appDataDir,
      EMBEDDED_SIMULATOR: 'off',
    });
    children.push(app.child);
    const nul = await startChild('null');
    children.push(nul.child);

    const seeded = await seed(app.url!, contacts);
    const per = seeded.perRequest.sort((a, b) => a - b);
    console.log(
      `seeded ${contacts} contacts through PUT /api/v1/contacts/bulk (5,000 per request) in ${seeded.bulkSeconds.toFixed(1)} s ` +
        `(median ${per[Math.floor(per.length / 2)].toFixed(2)} s per request)`,
    );
    const list = new Callers(contacts);

    // warm-up: JIT, pools, caches of both servers
    await closedLoop(app.port, list, 1000, concurrency, false);
    await closedLoop(nul.port, list, 1000, concurrency, false);

    await drained(app.url!);
    const profile = process.argv.includes('--profile');
    if (profile) app.child.send({ profile: 'start' });
    const { result: real, cpuMs: realCpu } = await cpuOf(app.child, () =>
      closedLoop(app.port, list, requests, concurrency, true),
    );
    if (profile) {
      const file = join(tmpdir(), `bench-agi-${Date.now()}.cpuprofile`);
      app.child.send({ profile: file });
      await new Promise((resolve) => app.child.once('message', resolve));
      console.log(`CPU profile of the app during the closed-loop run: ${file}`);
    }
    await drained(app.url!);
    const { result: floor, cpuMs: floorCpu } = await cpuOf(nul.child, () =>
      closedLoop(nul.port, list, requests, concurrency, false),
    );
    console.log(`\nclosed loop, ${concurrency} conversations in flight, half known callers, half unknown:`);
    console.log(`  switchboard : ${fmt(real)}`);
    console.log(`  do-nothing  : ${fmt(floor)}`);
    console.log(
      `  server CPU  : switchboard ${((realCpu * 1000) / real.requests).toFixed(0)} µs per request, do-nothing ${((floorCpu * 1000) / floor.requests).toFixed(0)} µs`,
    );
    console.log(
      `  ratio       : p99 ${(real.p99 / floor.p99).toFixed(2)}x, p50 ${(real.p50 / floor.p50).toFixed(2)}x, throughput ${(real.rps / floor.rps).toFixed(2)}x`,
    );

    for (const rate of rates) {
      const pacedReal = await paced(app.port, list, rate, seconds, true);
      await drained(app.url!);
      const pacedFloor = await paced(nul.port, list, rate, seconds, false);
      await drained(app.url!);
      console.log(`\npaced ${rate} requests/s for ${seconds} s (open loop, timed from the scheduled start):`);
      console.log(`  switchboard : ${fmt(pacedReal)}`);
      console.log(`  do-nothing  : ${fmt(pacedFloor)}`);
    }
  } finally {
    for (const c of children) c.disconnect();
    await new Promise((r) => setTimeout(r, 1500));
    await scratch.drop();
    await stopEmbedded?.();
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const mode = process.argv[3];
  const payload = JSON.parse(process.argv[4]) as Record<string, string>;
  (mode === 'app' ? serveApp(payload) : Promise.resolve(serveNull())).catch((e: unknown) => {
    process.send?.({ error: String((e as Error).stack ?? e) } satisfies ChildMessage);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
