import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseCommandLine } from '../protocol/agi/agi-command.js';
import { fixtureChunks, loadAgiFixture } from '../protocol/agi/agi-fixture.js';
import { defaultFixturesDir } from './ami-simulator.js';

/**
 * The simulator's FastAGI client mode: it plays Asterisk's side of a FastAGI conversation against
 * Switchboard's AGI server, from the recorded conversation in agi-routed-direct.agi.jsonl.
 */
const FIXTURE_FILE = 'agi-routed-direct.agi.jsonl';
const RECORDED_CALLER = '+79161234567';
const RECORDED_SCRIPT = 'responsible?did=74951234567';

/**
 * The `agi_*` header block exactly as Asterisk 22 sent it in the recording (two TCP writes), with
 * the caller number and the script (route and query) replaced.
 */
export function recordedHeader(callerId = RECORDED_CALLER, script = RECORDED_SCRIPT): Buffer[] {
  const dir = defaultFixturesDir();
  if (!dir) throw new Error(`${FIXTURE_FILE} not found: the simulator needs test/fixtures/asterisk-22`);
  const asterisk = fixtureChunks(loadAgiFixture(join(dir, FIXTURE_FILE)), 'asterisk');
  const header: Buffer[] = [];
  for (const chunk of asterisk) {
    header.push(
      Buffer.from(
        chunk
          .toString('utf8')
          .replace(`agi_callerid: ${RECORDED_CALLER}\n`, `agi_callerid: ${callerId}\n`)
          .replaceAll(RECORDED_SCRIPT, script),
      ),
    );
    if (chunk.toString('utf8').endsWith('\n\n')) break;
  }
  return header;
}

export interface AgiCallOptions {
  readonly port: number;
  /** default 127.0.0.1 */
  readonly host?: string;
  readonly callerId?: string;
  readonly script?: string;
  /** Send `HANGUP` (then the reply, as res_agi in dead mode) when the Nth command (1-based) arrives. */
  readonly hangupAtCommand?: number;
  /** Give up after this long (the test fails rather than hangs). */
  readonly timeoutMs?: number;
}

export interface AgiCallResult {
  /** Every command line the server sent, without its LF. */
  readonly commands: string[];
  /** What `SET VARIABLE name "value"` commands set, as res_agi parses them. */
  readonly variables: Record<string, string>;
  /** From the last header byte written to the first command line read. */
  readonly firstCommandMs?: number;
  /** From the last header byte written to the server closing. */
  readonly closedMs: number;
  /** True when the server closed with FIN (end), false when it reset the connection. */
  readonly endedCleanly: boolean;
}

/**
 * A FastAGI client that behaves like Asterisk's res_agi: writes the recorded header block, answers
 * `200 result=1` to each command, and sends `HANGUP` when the server closes (as when the AGI ends).
 */
export function agiCall(options: AgiCallOptions): Promise<AgiCallResult> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({
      port: options.port,
      host: options.host ?? '127.0.0.1',
      allowHalfOpen: true,
    });
    const commands: string[] = [];
    const variables: Record<string, string> = {};
    let buffered = '';
    let headerSentAt = 0;
    let firstCommandMs: number | undefined;
    let endedCleanly = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `FastAGI call did not end within ${options.timeoutMs ?? 5000} ms: ${JSON.stringify(commands)}`,
        ),
      );
    }, options.timeoutMs ?? 5000);

    socket.on('connect', () => {
      const header = recordedHeader(options.callerId, options.script);
      header.forEach((chunk, i) =>
        socket.write(chunk, i === header.length - 1 ? () => (headerSentAt = performance.now()) : undefined),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let lf = buffered.indexOf('\n'); lf !== -1; lf = buffered.indexOf('\n')) {
        const line = buffered.slice(0, lf);
        buffered = buffered.slice(lf + 1);
        firstCommandMs ??= performance.now() - headerSentAt;
        commands.push(line);
        const argv = parseCommandLine(line);
        if (argv[0] === 'SET' && argv[1] === 'VARIABLE') variables[argv[2]] = argv[3] ?? '';
        if (options.hangupAtCommand === commands.length) socket.write('HANGUP\n');
        socket.write('200 result=1\n');
      }
    });
    socket.on('end', () => {
      endedCleanly = true;
      if (socket.writable) socket.end('HANGUP\n');
    });
    socket.on('error', () => undefined); // a reset shows as endedCleanly: false
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({
        commands,
        variables,
        firstCommandMs,
        closedMs: performance.now() - headerSentAt,
        endedCleanly,
      });
    });
  });
}
