/**
 * Popups end to end: AMI frame out of the PBX simulator -> call:offered at an operator's socket.
 *
 *   npm run bench:popup                       (builds, then runs dist/tools/bench/bench-popup.js)
 *   node dist/tools/bench/bench-popup.js --operators 1000 --rate 50 --seconds 30
 *
 * Three processes share the machine, as on a small server:
 * - this one runs Switchboard (startApp; PostgreSQL: DATABASE_URL's server in a scratch database,
 *   else the embedded one in a temporary directory) and sets up --operators users, each with a
 *   phone Local/<2000+i>@phones/n, half in queue support and half in sales, logged in (the
 *   directory's QueueAdd makes them the simulator's queue members);
 * - a child runs the PBX simulator with scripted traffic (--rate inbound calls a second, each
 *   ringing two free members of its queue, as the recorded calls do) and a bare Socket.IO server;
 * - a child holds the operators' sockets: one per operator to /operator with the operator's token,
 *   and one per operator to the bare server.
 * When an AgentCalled frame leaves the simulator (its AMI session writes it to the socket) the
 * time is noted, and the bare server at once emits a call:offered of the same shape to that
 * operator's bare socket. Each socket notes when its call:offered arrives. Latency = arrival -
 * frame time, on one clock (performance.timeOrigin + performance.now() in each process). Sessions 1
 * and 2 started the clock earlier, when the simulator handed the frame to its sessions (before the
 * write it batches per event-loop turn); that figure is printed too. An AgentCalled for an operator
 * with no matching call:offered is a dropped event; so is a gap in an operator's seq.
 * Exit status 1 when an event was dropped.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { startApp } from '../../src/bootstrap.js';
import type { CallOffered } from '../../src/client/operator-protocol.js';
import { loadConfig } from '../../src/config/load-config.js';
import { AmiGatewayService } from '../../src/modules/ami/ami-gateway.service.js';
import { CallEventsBus } from '../../src/modules/calls/call-events.bus.js';
import { AmiSession } from '../../src/simulator/ami-session.js';
import { AmiSimulator } from '../../src/simulator/ami-simulator.js';
import { scratchDatabaseFromEnv } from './scratch-database.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
};
const now = () => performance.timeOrigin + performance.now();
const ADMIN_KEY = `sbk_bench_${randomBytes(16).toString('hex')}`;
const AMI_SECRET = randomBytes(8).toString('hex');
const FIRST_EXTENSION = 2000;

/** One AgentCalled, as the simulator sent it. */
interface Frame {
  key: string; // `${linkedid}|${extension}`
  t0: number;
}
/** One call:offered, as a socket got it. */
interface Receipt {
  key: string;
  t1: number;
}

type SimMessage = { type: 'play' } | { type: 'collect' };
type ClientsMessage =
  | { type: 'connect'; appUrl: string; bareUrl: string; operators: { token: string; ext: string }[] }
  | { type: 'collect' };

// ------------------------------------------------------------------------------ simulator child

/** An AgentCalled frame's `${linkedid}|${extension}`. */
function frameKey(text: string): { key: string; linkedid: string; ext: string } {
  const linkedid = /\r\nLinkedid: ([^\r]+)/.exec(text)?.[1] ?? '';
  const ext = /\r\nInterface: Local\/(\d+)@/.exec(text)?.[1] ?? '';
  return { key: `${linkedid}|${ext}`, linkedid, ext };
}

/** The popup the app sends for such a call (no contact, no history for a random number). */
function barePopup(text: string, seq: number): CallOffered & { seq: number; at: string } {
  const { linkedid, ext } = frameKey(text);
  return {
    callId: `00000000-0000-4000-8000-000000000000:${linkedid}`,
    pbxId: '00000000-0000-4000-8000-000000000000',
    direction: 'inbound',
    callerNumber: /\r\nCallerIDNum: ([^\r]+)/.exec(text)?.[1] ?? null,
    callerName: /\r\nCallerIDName: ([^\r]+)/.exec(text)?.[1] ?? null,
    did: '74951234567',
    queue: /\r\nQueue: ([^\r]+)/.exec(text)?.[1] ?? null,
    extension: ext,
    offeredAt: new Date().toISOString(),
    waitSeconds: 0,
    waitingSince: new Date().toISOString(),
    contacts: [],
    previousCalls: [],
    seq,
    at: new Date().toISOString(),
  };
}

async function simulatorProcess(rate: number, seconds: number): Promise<void> {
  const sim = new AmiSimulator({
    port: 0,
    username: 'crm',
    secret: process.env.BENCH_AMI_SECRET!,
    autoplay: false,
    scripted: { callsPerSecond: rate, answerRatio: 0.6, durationSeconds: seconds, seed: 7 },
  });
  const amiPort = await sim.start();
  const http = createServer();
  const bare = new Server(http, { serveClient: false });
  bare.on('connection', (s) => void s.join(String(s.handshake.auth.ext)));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const barePort = (http.address() as { port: number }).port;
  const frames: Frame[] = [];
  const written: Receipt[] = [];
  const seqs = new Map<string, number>();
  // The frame leaves the simulator when its AMI session writes it to the socket (the simulator
  // batches the frames of one event-loop turn into one write). At that moment the bare server sends
  // the same popup to that operator's bare socket: both paths start from the same instant.
  const proto = AmiSession.prototype as unknown as { flush(): boolean; pending: string[] };
  const flush = proto.flush;
  proto.flush = function (this: { pending: string[] }) {
    const leaving = this.pending.filter((text) => text.startsWith('Event: AgentCalled\r\n'));
    const t = now();
    const ok = flush.call(this);
    for (const text of leaving) {
      const { key, ext } = frameKey(text);
      written.push({ key, t1: t });
      const seq = (seqs.get(ext) ?? 0) + 1;
      seqs.set(ext, seq);
      bare.to(ext).emit('call:offered', barePopup(text, seq));
    }
    return ok;
  };
  // When a frame is handed to the AMI sessions (before their write): the expected popups, and where
  // sessions 1 and 2 started the clock. The simulator keeps its broadcast private; the bench wraps it.
  const target = sim as unknown as { broadcast(text: string, category: number): void };
  const broadcast = target.broadcast.bind(sim);
  let callsPlaced = 0;
  target.broadcast = (text: string, category: number) => {
    if (text.startsWith('Event: QueueCallerJoin\r\n')) callsPlaced++;
    if (text.startsWith('Event: AgentCalled\r\n')) frames.push({ key: frameKey(text).key, t0: now() });
    broadcast(text, category);
  };
  process.on('message', (m: SimMessage) => {
    if (m.type === 'play') void sim.play().then(() => process.send!({ type: 'played' }));
    if (m.type === 'collect') process.send!({ type: 'frames', frames, written, callsPlaced });
  });
  process.send!({ type: 'ready', amiPort, barePort });
}

// ------------------------------------------------------------------------------ clients child

async function clientsProcess(): Promise<void> {
  const app: Receipt[] = [];
  const bareReceipts: Receipt[] = [];
  let duplicates = 0;
  const streams: { seen: Set<number>; base: () => number | undefined }[] = [];
  let disconnects = 0;
  const sockets: Socket[] = [];
  process.on('message', async (m: ClientsMessage) => {
    if (m.type === 'collect') {
      let seqGaps = 0;
      for (const { seen, base } of streams) {
        const from = base();
        if (from === undefined) continue;
        const max = Math.max(from, ...seen);
        for (let n = from + 1; n <= max; n++) if (!seen.has(n)) seqGaps++;
      }
      process.send!({ type: 'receipts', app, bare: bareReceipts, seqGaps, duplicates, disconnects });
      for (const s of sockets) s.close();
      return;
    }
    const { appUrl, bareUrl, operators } = m;
    const connectOne = (op: { token: string; ext: string }) =>
      new Promise<void>((resolve, reject) => {
        // Every seq this socket got, and the snapshot's: a seq missing in between is a lost event.
        const seen = new Set<number>();
        let base: number | undefined;
        let last: number | undefined;
        streams.push({ seen, base: () => base });
        const s = io(`${appUrl}/operator`, {
          auth: (cb) => cb(last === undefined ? { token: op.token } : { token: op.token, lastSeq: last }),
          transports: ['websocket'],
        });
        sockets.push(s);
        s.on('disconnect', () => disconnects++);
        s.onAny((name: string, e: { seq?: number; callId?: string; extension?: string }) => {
          const t1 = now();
          if (typeof e?.seq !== 'number') return;
          if (name === 'snapshot') {
            base ??= e.seq;
            last = Math.max(last ?? e.seq, e.seq);
            return resolve();
          }
          if (seen.has(e.seq)) duplicates++;
          seen.add(e.seq);
          last = Math.max(last ?? e.seq, e.seq);
          if (name === 'call:offered') app.push({ key: `${e.callId!.split(':')[1]}|${e.extension}`, t1 });
        });
        s.once('connect_error', (err) => reject(err));
        const b = io(bareUrl, { auth: { ext: op.ext }, transports: ['websocket'] });
        sockets.push(b);
        b.on('call:offered', (e: { callId: string; extension: string }) =>
          bareReceipts.push({ key: `${e.callId.split(':')[1]}|${e.extension}`, t1: now() }),
        );
      });
    for (let i = 0; i < operators.length; i += 50)
      await Promise.all(operators.slice(i, i + 50).map(connectOne));
    process.send!({ type: 'connected', sockets: sockets.length });
  });
  process.send!({ type: 'ready' });
}

// ------------------------------------------------------------------------------ main

function once<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before ${type}`)));
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Pairs each frame with the receipt of the same (call, extension), in order; answers the pairs and misses. */
function pair(frames: Frame[], receipts: Receipt[]): { pairs: (Frame & Receipt)[]; missed: number } {
  const got = new Map<string, number[]>();
  for (const r of receipts) {
    const list = got.get(r.key);
    if (list) list.push(r.t1);
    else got.set(r.key, [r.t1]);
  }
  const pairs: (Frame & Receipt)[] = [];
  let missed = 0;
  for (const f of frames) {
    const t1 = got.get(f.key)?.shift();
    if (t1 === undefined) missed++;
    else pairs.push({ ...f, t1 });
  }
  return { pairs, missed };
}

/** Latencies (sorted) from each frame to its receipt, and the frames with none. */
function match(frames: Frame[], receipts: Receipt[]): { latencies: number[]; missed: number } {
  const { pairs, missed } = pair(frames, receipts);
  return { latencies: pairs.map((p) => p.t1 - p.t0).sort((a, b) => a - b), missed };
}

async function main(): Promise<void> {
  const operators = Math.floor(arg('operators', 1000));
  const rate = arg('rate', 50);
  const seconds = arg('seconds', 30);
  const script = new URL(import.meta.url).pathname;
  const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

  const sim = fork(script, ['--sim', String(rate), String(seconds)], {
    env: { ...process.env, BENCH_AMI_SECRET: AMI_SECRET },
  });
  const clients = fork(script, ['--clients']);
  const { amiPort, barePort } = await once<{ amiPort: number; barePort: number }>(sim, 'ready');
  await once(clients, 'ready');

  const db = await scratchDatabaseFromEnv();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-popup-'));
  chmodSync(dataDir, 0o755);
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'error',
    DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '20',
    ADMIN_API_KEY: ADMIN_KEY,
    JWT_TTL_SECONDS: '3600',
    AMI_HOST: '127.0.0.1',
    AMI_PORT: String(amiPort),
    AMI_USERNAME: 'crm',
    AMI_SECRET,
    AGI_PORT: '0',
    EMBEDDED_SIMULATOR: 'off',
  });
  const running = await startApp(config);
  const api = async (path: string, json?: unknown): Promise<{ id?: string; token?: string }> => {
    const res = await fetch(running.url + path, {
      method: json === undefined ? 'GET' : 'POST',
      headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id?: string; token?: string };
  };
  try {
    const gateway = running.app.get(AmiGatewayService);
    const pbx = ((await api('/api/v1/pbxes')) as unknown as { id: string; name: string }[]).find(
      (p) => p.name === 'default',
    )!;
    for (let i = 0; !gateway.isReady(pbx.id); i++) {
      if (i > 200) throw new Error('the AMI link did not come up');
      await new Promise((r) => setTimeout(r, 50));
    }
    log(`app up at ${running.url}; creating ${operators} operators`);
    const groups = [
      (await api('/api/v1/groups', { name: 'Support', queue: 'support', numbers: ['74951234567'] })).id!,
      (await api('/api/v1/groups', { name: 'Sales', queue: 'sales', numbers: ['74957770000'] })).id!,
    ];
    const ops: { token: string; ext: string }[] = new Array(operators);
    const setup = async (i: number) => {
      const ext = String(FIRST_EXTENSION + i);
      const user = await api('/api/v1/users', { displayName: `Operator ${ext}`, role: 'operator' });
      const { token } = await api('/api/v1/auth/token', { userId: user.id });
      await api('/api/v1/peers', {
        userId: user.id,
        extension: ext,
        dialInterface: `Local/${ext}@phones/n`,
        stateInterface: `Custom:${ext}`,
      });
      const group = groups[i % 2];
      await api(`/api/v1/groups/${group}/members`, { userId: user.id });
      await api(`/api/v1/groups/${group}/members/${user.id}/login`, {});
      ops[i] = { token: token!, ext };
    };
    for (let i = 0; i < operators; i += 16) {
      await Promise.all(Array.from({ length: Math.min(16, operators - i) }, (_, k) => setup(i + k)));
    }
    log('operators ready; connecting their sockets');
    clients.send({
      type: 'connect',
      appUrl: running.url,
      bareUrl: `http://127.0.0.1:${barePort}`,
      operators: ops,
    });
    const { sockets } = await once<{ sockets: number }>(clients, 'connected');
    log(
      `${sockets} sockets connected (${operators} to /operator with a snapshot each, ${operators} to the bare server)`,
    );
    await new Promise((r) => setTimeout(r, 2000)); // let the connection burst settle
    // Where the time goes inside the app: the AMI frame read by the gateway, then the tracker's event.
    const amiIn: Receipt[] = [];
    const busIn: Receipt[] = [];
    gateway.on('event', (_pbx, msg) => {
      if (msg.headers.event !== 'AgentCalled') return;
      const ext = /^Local\/(\d+)@/.exec(String(msg.headers.interface ?? ''))?.[1] ?? '';
      amiIn.push({ key: `${String(msg.headers.linkedid)}|${ext}`, t1: now() });
    });
    running.app.get(CallEventsBus).on('call.offered', (e) => {
      busIn.push({ key: `${e.call.linkedid}|${e.leg.extension}`, t1: now() });
    });
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const load0 = loadavg()[0];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    log(`playing ${rate} inbound calls a second for ${seconds} s`);
    sim.send({ type: 'play' });
    await once(sim, 'played');
    await new Promise((r) => setTimeout(r, 5000)); // the last offers reach the sockets
    const wallS = (performance.now() - t0) / 1000;
    loopDelay.disable();
    const cpu = process.cpuUsage(cpu0);
    const metrics = await (
      await fetch(`${running.url}/metrics`, { headers: { 'x-api-key': ADMIN_KEY } })
    ).text();
    const perType = [...metrics.matchAll(/^switchboard_operator_events_total\{event="([^"]+)"\} (\d+)/gm)]
      .map((m) => `${m[1]} ${m[2]}`)
      .join(', ');
    sim.send({ type: 'collect' });
    clients.send({ type: 'collect' });
    const { frames, written, callsPlaced } = await once<{
      frames: Frame[];
      written: Receipt[];
      callsPlaced: number;
    }>(sim, 'frames');
    const got = await once<{
      app: Receipt[];
      bare: Receipt[];
      seqGaps: number;
      duplicates: number;
      disconnects: number;
    }>(clients, 'receipts');
    const ours = new Set(ops.map((o) => o.ext));
    const expected = frames.filter((f) => ours.has(f.key.split('|')[1]));
    // The clock starts when the frame leaves the simulator: the n-th write of a (call, extension)
    // goes with its n-th hand-off (an agent rung again in the same call has the same key).
    const left: Frame[] = pair(expected, written).pairs.map((p) => ({ key: p.key, t0: p.t1 }));
    const app = { ...match(left, got.app), missed: match(expected, got.app).missed };
    const bare = { ...match(left, got.bare), missed: match(expected, got.bare).missed };
    const calls = new Set(expected.map((f) => f.key.split('|')[0])).size;
    const row = (name: string, m: { latencies: number[]; missed: number }) =>
      `| ${name} | ${m.latencies.length} | ${percentile(m.latencies, 50).toFixed(1)} | ${percentile(m.latencies, 99).toFixed(1)} | ${m.latencies.at(-1)?.toFixed(1)} | ${m.missed} |`;
    const dropped = app.missed + got.seqGaps;
    console.log('');
    console.log(
      `${operators} operators, ${callsPlaced} inbound calls queued in ${seconds} s (${(callsPlaced / seconds).toFixed(1)}/s), ` +
        `${calls} of them rang operators (${expected.length} AgentCalled frames); ${cpus().length} CPUs, Node ${process.version}, ` +
        `load average ${load0.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after; app process CPU ` +
        `${((cpu.user + cpu.system) / 1e6 / wallS).toFixed(2)} cores`,
    );
    console.log(`events sent to operators (setup included): ${perType}`);
    console.log('');
    console.log('| path | popups | p50 ms | p99 ms | max ms | dropped |');
    console.log('| ---- | ------ | ------ | ------ | ------ | ------- |');
    console.log(row('Switchboard: AMI frame leaves the simulator -> call:offered', app));
    console.log(row('bare Socket.IO server, same payloads from the same moment', bare));
    console.log(
      row('(before: frame handed to the AMI sessions -> written to the socket)', match(expected, written)),
    );
    console.log(
      row('(Switchboard from the hand-off, as sessions 1 and 2 measured)', match(expected, got.app)),
    );
    console.log(row('(inside: frame written -> read by the app)', match(left, amiIn)));
    console.log(row('(inside: frame written -> call.offered on the bus)', match(left, busIn)));
    console.log(
      row(
        '(inside: call.offered on the bus -> call:offered at the socket)',
        match(
          busIn.filter((b) => ours.has(b.key.split('|')[1])).map((b) => ({ key: b.key, t0: b.t1 })),
          got.app,
        ),
      ),
    );
    console.log('');
    console.log(
      `app event loop delay p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, ` +
        `max ${(loopDelay.max / 1e6).toFixed(1)} ms; ` +
        `seq gaps ${got.seqGaps}, duplicates ${got.duplicates}, disconnects ${got.disconnects}; ` +
        `p99 ratio ${(percentile(app.latencies, 99) / percentile(bare.latencies, 99)).toFixed(2)}x the bare server`,
    );
    process.exitCode = dropped === 0 && expected.length > 0 ? 0 : 1;
  } finally {
    sim.kill('SIGTERM');
    clients.kill('SIGTERM');
    await running.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const role = process.argv[2];
if (role === '--sim') await simulatorProcess(Number(process.argv[3]), Number(process.argv[4]));
else if (role === '--clients') await clientsProcess();
else await main();
