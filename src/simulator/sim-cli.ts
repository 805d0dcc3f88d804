/**
 * npm run sim -- --port 5038 --trace FILE [--trace FILE2] [--speed realtime|max] [--repeat N]
 *                [--then idle|close] [--username U --secret S] [--no-autoplay]
 *                [--scripted --cps 2 --answer 0.6 [--duration S] [--seed N]] [--time-scale X] [--debug]
 *
 * A standalone AMI server to point a Switchboard (or any AMI client) at. Stops on SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { AmiSimulator, type AmiSimulatorLogger, type AmiSimulatorOptions } from './ami-simulator.js';

const USAGE = `usage: sim-cli [--host H] [--port P] [--trace FILE]... [--speed realtime|max] [--repeat N]
               [--then idle|close] [--username U] [--secret S] [--no-autoplay]
               [--scripted --cps N --answer R [--duration S] [--seed N]] [--time-scale X] [--debug]`;

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export interface CliOptions {
  readonly sim: AmiSimulatorOptions;
  readonly debug: boolean;
}

/** argv (without node and script) to simulator options; throws CliUsageError listing every problem. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const problems: string[] = [];
  const traces: string[] = [];
  const sim: AmiSimulatorOptions = { port: 5038 };
  let scripted = false;
  let cps: number | undefined;
  let answer: number | undefined;
  let duration: number | undefined;
  let seed: number | undefined;
  let debug = false;

  const num = (flag: string, raw: string | undefined, check: (n: number) => boolean): number | undefined => {
    const n = Number(raw);
    if (raw === undefined || raw.startsWith('--') || Number.isNaN(n) || !check(n)) {
      problems.push(`${flag} needs a valid number (got ${raw ?? 'nothing'})`);
      return undefined;
    }
    return n;
  };
  const str = (flag: string, raw: string | undefined): string | undefined => {
    if (raw === undefined || raw.startsWith('--')) {
      problems.push(`${flag} needs a value`);
      return undefined;
    }
    return raw;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    // a flag's value is the next argument, unless that is itself a flag (then the value is missing)
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) return undefined;
      i++;
      return next;
    };
    switch (flag) {
      case '--host':
        sim.host = str(flag, value());
        break;
      case '--port':
        sim.port = num(flag, value(), (n) => Number.isInteger(n) && n >= 0 && n < 65536);
        break;
      case '--trace': {
        const t = str(flag, value());
        if (t) traces.push(...t.split(',').filter((x) => x !== ''));
        break;
      }
      case '--speed': {
        const v = value();
        if (v === 'realtime' || v === 'max') sim.speed = v;
        else problems.push(`--speed must be realtime or max (got ${v ?? 'nothing'})`);
        break;
      }
      case '--repeat':
        sim.repeat = num(flag, value(), (n) => Number.isInteger(n) && n >= 1);
        break;
      case '--then': {
        const v = value();
        if (v === 'idle' || v === 'close') sim.then = v;
        else problems.push(`--then must be idle or close (got ${v ?? 'nothing'})`);
        break;
      }
      case '--username':
        sim.username = str(flag, value());
        break;
      case '--secret':
        sim.secret = str(flag, value());
        break;
      case '--no-autoplay':
        sim.autoplay = false;
        break;
      case '--scripted':
        scripted = true;
        break;
      case '--cps':
        cps = num(flag, value(), (n) => n > 0);
        break;
      case '--answer':
        answer = num(flag, value(), (n) => n >= 0 && n <= 1);
        break;
      case '--duration':
        duration = num(flag, value(), (n) => n > 0);
        break;
      case '--seed':
        seed = num(flag, value(), (n) => Number.isInteger(n));
        break;
      case '--time-scale':
        sim.timeScale = num(flag, value(), (n) => n > 0);
        break;
      case '--fixtures':
        sim.fixturesDir = str(flag, value());
        break;
      case '--debug':
        debug = true;
        break;
      case '--help':
      case '-h':
        throw new CliUsageError(USAGE);
      default:
        problems.push(`unknown argument ${arg}`);
    }
  }
  if (traces.length > 0) sim.trace = traces;
  if (scripted)
    sim.scripted = { callsPerSecond: cps ?? 1, answerRatio: answer ?? 0.6, durationSeconds: duration, seed };
  else if (cps !== undefined || answer !== undefined || duration !== undefined)
    problems.push('--cps/--answer/--duration need --scripted');
  if (!scripted && traces.length === 0) problems.push('nothing to play: give --trace FILE and/or --scripted');
  if (problems.length > 0) throw new CliUsageError(`${problems.join('\n')}\n${USAGE}`);
  return { sim, debug };
}

function consoleLogger(debug: boolean): AmiSimulatorLogger {
  const line = (level: string, msg: string, ctx?: object): string =>
    `${new Date().toISOString()} ${level} ${msg}${ctx ? ` ${JSON.stringify(ctx)}` : ''}`;
  return {
    info: (msg, ctx) => console.log(line('INFO', msg, ctx)),
    warn: (msg, ctx) => console.warn(line('WARN', msg, ctx)),
    debug: debug ? (msg, ctx) => console.log(line('DEBUG', msg, ctx)) : undefined,
  };
}

async function main(): Promise<void> {
  let cli: CliOptions;
  try {
    cli = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  const sim = new AmiSimulator({ ...cli.sim, logger: consoleLogger(cli.debug) });
  const port = await sim.start();
  console.log(
    `AMI simulator listening on ${cli.sim.host ?? '127.0.0.1'}:${port} ` +
      `(user ${cli.sim.username ?? 'crm'}; ${cli.sim.autoplay === false ? 'replay starts on SIGUSR2' : 'replay starts at the first login with events on'})`,
  );
  if (cli.sim.autoplay === false) {
    process.on('SIGUSR2', () => void sim.play().catch((err: Error) => console.error(err.message)));
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    sim.stop().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(err.message);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

// run only as a program, not when a test imports parseArgs
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
