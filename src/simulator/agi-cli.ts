/**
 * npm run sim:agi -- [--host 127.0.0.1] [--port 4573] [--calls 100] [--cps 10] [--did 74951234567]
 *                    [--caller +79160000000 ...]
 *
 * The simulator's FastAGI client mode, for demos and load: places `--calls` FastAGI requests at
 * `--cps` per second against a Switchboard AGI server, as Asterisk's res_agi does (the recorded
 * header with the caller number and DID replaced), cycling over the given callers (default: the
 * busy hour's 24 callers), and prints what was routed and how fast.
 */
import { agiCall } from './agi-client.js';

interface Args {
  host: string;
  port: number;
  calls: number;
  cps: number;
  did: string;
  callers: string[];
}

function parse(argv: string[]): Args {
  const a: Args = {
    host: '127.0.0.1',
    port: 4573,
    calls: 100,
    cps: 10,
    did: '74951234567',
    callers: Array.from({ length: 24 }, (_, i) => `+791600000${String(i).padStart(2, '0')}`),
  };
  const given: string[] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--host') a.host = value;
    else if (flag === '--port') a.port = Number(value);
    else if (flag === '--calls') a.calls = Number(value);
    else if (flag === '--cps') a.cps = Number(value);
    else if (flag === '--did') a.did = value;
    else if (flag === '--caller') given.push(value);
    else throw new Error(`unknown flag ${flag}`);
  }
  if (given.length) a.callers = given;
  for (const [k, v] of Object.entries({ port: a.port, calls: a.calls, cps: a.cps })) {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k} must be a positive number`);
  }
  return a;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const latencies: number[] = [];
  let routed = 0;
  let failed = 0;
  const started = performance.now();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < args.calls; i++) {
    const due = started + (i * 1000) / args.cps;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    calls.push(
      agiCall({
        host: args.host,
        port: args.port,
        callerId: args.callers[i % args.callers.length],
        script: `responsible?did=${args.did}`,
      }).then(
        (r) => {
          latencies.push(r.closedMs);
          if (r.variables.CRM_EXTEN) routed++;
        },
        () => void failed++,
      ),
    );
  }
  await Promise.all(calls);
  latencies.sort((x, y) => x - y);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]?.toFixed(1);
  process.stdout.write(
    `${args.calls} FastAGI calls to ${args.host}:${args.port} in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      `${routed} routed to an agent, ${args.calls - routed - failed} fell through to the queue, ${failed} failed; ` +
      `session p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms\n`,
  );
  process.exit(failed ? 1 : 0);
}

void main();
