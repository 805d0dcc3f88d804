import { type ChildProcess, spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { createTestDatabase } from '../support/test-database.js';
import {
  addPbx,
  commEvents,
  freePort,
  type Instance,
  observeCalls,
  person,
  REDIS_URL,
  setupLab,
  sleep,
  spawnInstance,
  until,
} from './support/cluster.js';

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const SOCKETS = Number(process.env.SOAK_SOCKETS ?? 1000);
/** The busy hour of the recordings: 24 calls in 8 s. */
const CALLS_PER_SECOND = Number(process.env.SOAK_CPS ?? 3);
const USERS = 50;
const WARMUP_SECONDS = Math.min(30, Math.max(5, Math.round(SOAK_SECONDS / 10)));
const SIM_CLI = resolve(import.meta.dirname, '../../dist/src/simulator/sim-cli.js');

interface Sample {
  at: number;
  rssMb: number;
  heapMb: number;
  lagP99Ms: number;
  lagMeanMs: number;
  backlog: number;
}

async function sample(app: Instance): Promise<Sample> {
  // One scrape: prom-client resets its event-loop histogram at each one.
  const text = await (await app.api('/metrics')).text();
  const value = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line === undefined ? undefined : Number(line.trim().split(' ').pop());
  };
  const rss = value('process_resident_memory_bytes ');
  const heap = value('nodejs_heap_size_used_bytes ');
  const p99 = value('nodejs_eventloop_lag_p99_seconds ');
  const mean = value('nodejs_eventloop_lag_mean_seconds ');
  const backlog = value('switchboard_comm_event_backlog{where="memory"}');
  return {
    at: Date.now(),
    rssMb: Math.round((rss ?? 0) / 1e5) / 10,
    heapMb: Math.round((heap ?? 0) / 1e5) / 10,
    lagP99Ms: Math.round((p99 ?? 0) * 1e4) / 10,
    lagMeanMs: Math.round((mean ?? 0) * 1e4) / 10,
    backlog: backlog ?? 0,
  };
}

/**
 * A soak: the simulator's scripted traffic at the busy-hour rate (3 calls a second, 60% answered)
 * for SOAK_SECONDS (default 600) through one instance, with 1,000 operator sockets (50 users, 20
 * each; the lab's three agents get the popups, everyone their queue and status events). The app's
 * RSS, heap and event-loop delay (prom-client's monitorEventLoopDelay figures on /metrics, reset at
 * each scrape) are printed after a warm-up and at the end, and must stay flat within a generous
 * bound; every call the PBX placed is recorded once; every socket is still connected.
 * SOAK_REDIS=1 runs it with REDIS_URL set (adapter, event log and idempotency in Redis).
 */
describe(`fault: soak, ${SOAK_SECONDS} s at ${CALLS_PER_SECOND} calls/s with ${SOCKETS} operator sockets`, () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: Instance | undefined;
  let sim: ChildProcess | undefined;
  const sockets: Socket[] = [];

  afterAll(async () => {
    for (const s of sockets) s.close();
    sim?.kill('SIGKILL');
    await app?.stop();
    await db?.drop();
  });

  it(
    'keeps RSS and event-loop delay flat and records every call once',
    async () => {
      db = await createTestDatabase();
      app = await spawnInstance('soak', {
        DATABASE_URL: db.url,
        ...(process.env.SOAK_REDIS === '1' ? { REDIS_URL } : {}),
      });
      const simPort = await freePort();
      sim = spawn(
        process.execPath,
        [
          SIM_CLI,
          '--port',
          String(simPort),
          '--username',
          'crm',
          '--secret',
          'labsecret',
          '--scripted',
          '--cps',
          String(CALLS_PER_SECOND),
          '--answer',
          '0.6',
          '--seed',
          '1',
          '--duration',
          String(SOAK_SECONDS + WARMUP_SECONDS),
          '--no-autoplay',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let simErr = '';
      sim.stderr!.on('data', (d: Buffer) => (simErr = (simErr + d.toString()).slice(-4000)));
      await until(
        'the simulator listening',
        async () => {
          try {
            const o = await observeCalls(simPort);
            await o.stop();
            return true;
          } catch {
            return undefined;
          }
        },
        20_000,
      ).catch(() => {
        throw new Error(`simulator did not start: ${simErr}`);
      });
      const observer = await observeCalls(simPort);
      const pbxId = await addPbx(app, 'lab', simPort);
      const lab = await setupLab(app, pbxId, 'soak');
      const users = [lab.alice, lab.bob, lab.carol];
      const groups = (await app.json<{ items: { id: string; queue: string }[] }>('/api/v1/groups')).items;
      for (let i = users.length; i < USERS; i++) {
        const u = await person(app, `Operator ${i}`);
        await app.json(`/api/v1/groups/${groups[i % groups.length].id}/members`, {
          method: 'POST',
          json: { userId: u.id, role: 'member' },
        });
        users.push(u);
      }
      await until('ingesting', async () => (await app!.health()).components['ami:lab']?.status === 'up');

      const received = { total: 0, offered: 0 };
      for (let i = 0; i < SOCKETS; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, SOCKETS - i) }, (_, j) => {
            const user = users[(i + j) % users.length];
            const s = io(`${app!.url}/operator`, {
              auth: { token: user.token },
              transports: ['websocket'],
              reconnection: false,
              forceNew: true,
            });
            sockets.push(s);
            s.onAny((name: string) => {
              received.total++;
              if (name === 'call:offered') received.offered++;
            });
            return new Promise<void>((res, rej) => {
              s.once('connect', () => res());
              s.once('connect_error', rej);
            });
          }),
        );
      }
      expect(sockets.filter((s) => s.connected)).toHaveLength(SOCKETS);
      const clientLag = monitorEventLoopDelay({ resolution: 10 });
      clientLag.enable();

      // SIGUSR2 starts the replay of a --no-autoplay simulator.
      sim.kill('SIGUSR2');
      const trafficStart = Date.now();
      await sleep(WARMUP_SECONDS * 1000);
      await sample(app); // resets the event-loop histogram: the next sample covers what follows
      await sleep(1000);
      const start = await sample(app);
      const line = (label: string, s: Sample) =>
        `${label}: RSS ${s.rssMb} MB, heap ${s.heapMb} MB, event-loop delay p99 ${s.lagP99Ms} ms (mean ${s.lagMeanMs} ms), CommEvent backlog ${s.backlog}, calls placed ${observer.linkedids.size}, events to browsers ${received.total}`;
      process.stdout.write(`${line('soak start', start)}\n`);
      const trace: Sample[] = [start];
      const deadline = trafficStart + SOAK_SECONDS * 1000;
      while (Date.now() < deadline) {
        await sleep(Math.min(30_000, Math.max(0, deadline - Date.now())));
        const s = await sample(app);
        trace.push(s);
        process.stdout.write(`${line(`soak +${Math.round((s.at - trafficStart) / 1000)} s`, s)}\n`);
      }
      const end = trace[trace.length - 1];
      clientLag.disable();
      process.stdout.write(`${line('soak end', end)}\n`);
      process.stdout.write(
        `soak clients (test process): event-loop delay p99 ${(clientLag.percentile(99) / 1e6).toFixed(1)} ms; sockets connected ${sockets.filter((s) => s.connected).length}/${SOCKETS}; popups ${received.offered}\n`,
      );

      // Flat: the end within a generous bound of the start (after warm-up), and no sample running away.
      expect(end.rssMb).toBeLessThan(start.rssMb * 1.5 + 64);
      expect(end.heapMb).toBeLessThan(start.heapMb * 2 + 64);
      expect(end.lagP99Ms).toBeLessThan(Math.max(100, start.lagP99Ms * 5));
      expect(Math.max(...trace.map((s) => s.lagP99Ms))).toBeLessThan(500);
      expect(Math.max(...trace.map((s) => s.backlog))).toBeLessThan(1000);
      expect(sockets.filter((s) => s.connected)).toHaveLength(SOCKETS);
      expect(received.offered).toBeGreaterThan(0);

      // Every call the PBX placed is one complete CommEvent (the traffic stops at the deadline).
      await until(
        'the last calls recorded',
        async () => {
          const rows = await commEvents(app!);
          return rows.length >= observer.linkedids.size && rows.every((r) => r.status === 'complete')
            ? rows
            : undefined;
        },
        120_000,
      );
      const rows = await commEvents(app);
      expect(new Set(rows.map((r) => r.linkedid))).toEqual(observer.linkedids);
      expect(rows).toHaveLength(observer.linkedids.size);
      process.stdout.write(
        `soak calls: ${rows.length} recorded, ${rows.filter((r) => r.outcome === 'answered').length} answered\n`,
      );
      await observer.stop();
    },
    (SOAK_SECONDS + 300) * 1000,
  );
});
