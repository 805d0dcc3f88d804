import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';

import { header, type AmiMessage } from '../protocol/ami/ami-message.js';
import { AmiParser } from '../protocol/ami/ami-parser.js';
import { redactForLog } from '../protocol/ami/ami-serializer.js';
import {
  handleAction,
  parseErrorResponse,
  type ActionContext,
  type OriginateRequest,
} from './ami-actions.js';
import { eventCategory, formatFrame } from './ami-frame.js';
import { loadRecording, rewriteEvent, type AmiRecording } from './ami-recording.js';
import { AmiSession } from './ami-session.js';
import { buildTemplate, IdAllocator, type CallTemplate, type TemplateFrame } from './call-template.js';
import { repeatPlan } from './frame-rewriter.js';
import { extensionExists, LAB_PBX, type PbxConfig } from './lab-config.js';
import {
  LiveCallEngine,
  originateCall,
  ScriptedTraffic,
  syntheticOriginate,
  type LiveSink,
} from './live-calls.js';
import { PbxModel } from './pbx-model.js';
import { SimulatorError, SimulatorErrorCode } from './simulator-error.js';

export interface AmiSimulatorLogger {
  info(msg: string, ctx?: object): void;
  warn(msg: string, ctx?: object): void;
  debug?(msg: string, ctx?: object): void;
}

export interface AmiSimulatorOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** 0 = ephemeral (tests); default 5038 */
  port?: number;
  /** default 'crm' */
  username?: string;
  /** default 'labsecret' (as lab-config/manager.conf) */
  secret?: string;
  /** .ami recording(s) to replay, in order */
  trace?: string | string[];
  /** default 'max' */
  speed?: 'realtime' | 'max';
  /** passes over the recording(s); each pass after the first gets fresh Uniqueid/Linkedid/channel suffixes */
  repeat?: number;
  /** after the recording: keep connections open (default) or drop them as an Asterisk restart does */
  then?: 'idle' | 'close';
  /** default true: replay starts when the first events-on session logs in; false: tests call play() */
  autoplay?: boolean;
  /** generated live traffic, built from the answered and abandoned call recordings */
  scripted?: { callsPerSecond: number; answerRatio: number; durationSeconds?: number; seed?: number };
  logger?: AmiSimulatorLogger;
  /** Generated calls (scripted, Originate) run at recorded pace x timeScale; default 1, tests use less. */
  timeScale?: number;
  /** Delay before `Authentication failed` (manager.c sleeps 1 s); default 1000. */
  authFailDelayMs?: number;
  /** manager.conf writetimeout: a client whose socket stays full this long is dropped; default 5000. */
  writeTimeoutMs?: number;
  /** Directory holding the call templates (inbound-queue-answered.ami, ...); default: the repo's test/fixtures/asterisk-22. */
  fixturesDir?: string;
}

const BANNER = 'Asterisk Call Manager/11.0.0\r\n';
const MAX_SESSIONS = 1_000;
const ACTION_RING = 1_000;
/** Unauthenticated sessions are closed after this long (manager.conf authtimeout default). */
const AUTH_TIMEOUT_MS = 30_000;
/** At max speed, frames are handed to the sockets in batches of about this many bytes. */
const BATCH_BYTES = 256 * 1024;
/** Gap between two recordings, or two passes, when pacing in real time. */
const SEGMENT_GAP_MS = 1_000;
const TEMPLATES = {
  answered: 'inbound-queue-answered.ami',
  abandoned: 'inbound-queue-abandoned.ami',
  clickToCall: 'click-to-call.ami',
};

const noop = (): void => {};
const SILENT: AmiSimulatorLogger = { info: noop, warn: noop, debug: noop };

/** The repo's fixture directory, found by walking up from this file (src/ under ts-jest, dist/src/ when built). */
export function defaultFixturesDir(): string | undefined {
  let dir = import.meta.dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'test', 'fixtures', 'asterisk-22');
    if (existsSync(join(candidate, TEMPLATES.answered))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/**
 * A PBX for tests, demos and benchmarks: a real AMI server over TCP that speaks as Asterisk 22 does
 * (banner, login, event masks, filters, responses shaped as in the recordings), replays recorded
 * traffic, generates live calls from the recordings, and answers actions from a small model of the
 * lab PBX (queues, members, channels, device states).
 *
 * Events: 'action' (msg, sessionId), 'login' (sessionId, ok), 'session-closed' (sessionId),
 * 'replay-done' (), 'restart' ().
 */
export class AmiSimulator extends EventEmitter implements LiveSink {
  private readonly opts: AmiSimulatorOptions;
  private readonly log: AmiSimulatorLogger;
  private readonly config: PbxConfig = LAB_PBX;
  private readonly model: PbxModel;
  private readonly ids = new IdAllocator();
  private readonly engine: LiveCallEngine;
  private readonly sessions = new Map<number, AmiSession>();
  private readonly ring: AmiMessage[] = [];
  private readonly ctx: ActionContext;
  /** parses frames the simulator itself sends (rewritten and generated ones) for the model */
  private readonly selfParser: AmiParser;
  private selfParsed: AmiMessage | undefined;

  private server: Server | undefined;
  private boundPort = 0;
  private nextSessionId = 1;
  private recordings: AmiRecording[] = [];
  private templates: { answered?: CallTemplate; abandoned?: CallTemplate; clickToCall?: CallTemplate } = {};
  private scripted: ScriptedTraffic | undefined;
  private playing: Promise<void> | undefined;
  private autoplayDone = false;
  /** bumped by stop() and restarts: a replay in progress stops when it sees a newer generation */
  private generation = 0;
  private readonly sleepers = new Set<() => void>();

  constructor(options: AmiSimulatorOptions = {}) {
    super();
    this.opts = options;
    this.log = options.logger ?? SILENT;
    const repeat = options.repeat ?? 1;
    if (!Number.isInteger(repeat) || repeat < 1) {
      throw new SimulatorError(SimulatorErrorCode.INVALID_OPTION, 'repeat must be a positive integer');
    }
    const sc = options.scripted;
    if (sc && (!(sc.callsPerSecond > 0) || !(sc.answerRatio >= 0 && sc.answerRatio <= 1))) {
      throw new SimulatorError(
        SimulatorErrorCode.INVALID_OPTION,
        'scripted.callsPerSecond must be > 0 and scripted.answerRatio within [0, 1]',
      );
    }
    if (options.timeScale !== undefined && !(options.timeScale > 0)) {
      throw new SimulatorError(SimulatorErrorCode.INVALID_OPTION, 'timeScale must be > 0');
    }
    this.model = new PbxModel(this.config);
    this.engine = new LiveCallEngine(this);
    this.selfParser = new AmiParser((m) => (this.selfParsed = m), {
      expectBanner: false,
      maxMessageBytes: 4 * 1024 * 1024,
    });
    this.ctx = {
      model: this.model,
      config: this.config,
      username: options.username ?? 'crm',
      secret: options.secret ?? 'labsecret',
      authFailDelayMs: options.authFailDelayMs ?? 1000,
      broadcast: (text, category) => this.broadcast(text, category),
      loggedIn: (s, ok) => this.onLogin(s, ok),
      eventsEnabled: (s) => this.maybeAutoplay(s),
      originate: (req) => this.placeOriginate(req),
    };
  }

  get port(): number {
    return this.boundPort;
  }

  /** Last actions received (all sessions), oldest first; bounded. */
  get actionsReceived(): AmiMessage[] {
    return this.ring;
  }

  /** Sessions currently connected. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Channels the simulated PBX has up right now. */
  get channelCount(): number {
    return this.model.channelCount;
  }

  async start(): Promise<number> {
    if (this.server) throw new SimulatorError(SimulatorErrorCode.INVALID_STATE, 'already started');
    const traces =
      this.opts.trace === undefined
        ? []
        : Array.isArray(this.opts.trace)
          ? this.opts.trace
          : [this.opts.trace];
    this.recordings = await Promise.all(traces.map((t) => loadRecording(t)));
    await this.loadTemplates();

    const server = createServer((socket) => this.onConnection(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 5038, this.opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr !== null ? addr.port : 0;
    this.log.info('AMI simulator listening', {
      host: this.opts.host ?? '127.0.0.1',
      port: this.boundPort,
      traces: this.recordings.map((r) => `${r.name} (${r.events.length} events)`),
    });
    return this.boundPort;
  }

  async stop(): Promise<void> {
    this.generation++;
    this.wakeSleepers();
    this.scripted?.stop();
    this.engine.clear();
    const server = this.server;
    this.server = undefined;
    for (const s of this.sessions.values()) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.playing?.catch(noop);
  }

  /**
   * Replay the recording(s) to every logged-in session with events on (and start scripted traffic
   * if configured). Resolves when the recordings were fully sent; with scripted traffic only, when
   * its durationSeconds has passed (at once without a duration).
   */
  play(): Promise<void> {
    if (!this.server)
      return Promise.reject(new SimulatorError(SimulatorErrorCode.INVALID_STATE, 'play() before start()'));
    this.playing ??= this.runPlay().finally(() => (this.playing = undefined));
    return this.playing;
  }

  /** Cut every connection at once (a network failure); the server keeps accepting. */
  dropAll(): void {
    for (const s of this.sessions.values()) s.destroy();
  }

  /** Push one event to every session that has events on (and let the PBX model learn from it). */
  emitEvent(fields: Record<string, string>): void {
    const entries = Object.entries(fields);
    const eventEntry = entries.find(([k]) => k.toLowerCase() === 'event');
    if (!eventEntry)
      throw new SimulatorError(SimulatorErrorCode.INVALID_OPTION, 'emitEvent needs an Event field');
    const text = formatFrame([eventEntry, ...entries.filter((e) => e !== eventEntry)]);
    const msg = this.parseOwn(text);
    if (msg) this.model.apply(msg);
    this.broadcast(text, eventCategory(fields.Privilege ?? fields.privilege));
  }

  // ---------------------------------------------------------------- sessions

  private onConnection(socket: Socket): void {
    if (this.sessions.size >= MAX_SESSIONS) {
      socket.destroy();
      return;
    }
    const session = new AmiSession(
      this.nextSessionId++,
      socket,
      {
        onAction: (s, msg) => this.onAction(s, msg),
        onParseError: (s, err) => {
          this.log.warn('unparsable frame from client', { session: s.id, code: err.code });
          parseErrorResponse(s, err);
        },
        onClose: (s) => {
          this.sessions.delete(s.id);
          this.log.debug?.('session closed', { session: s.id });
          this.emit('session-closed', s.id);
        },
      },
      {
        writeTimeoutMs: this.opts.writeTimeoutMs ?? 5000,
        maxBufferedBytes: 32 * 1024 * 1024,
        maxInbox: 1000,
      },
    );
    this.sessions.set(session.id, session);
    this.log.debug?.('session opened', {
      session: session.id,
      remote: `${session.remoteAddress}:${session.remotePort}`,
    });
    session.send(BANNER);
    setTimeout(() => {
      if (!session.authenticated) session.destroy();
    }, AUTH_TIMEOUT_MS).unref();
  }

  private onAction(s: AmiSession, msg: AmiMessage): void | Promise<void> {
    if (this.ring.length >= ACTION_RING) this.ring.shift();
    this.ring.push(msg);
    this.log.debug?.('action', {
      session: s.id,
      action: header(msg, 'action'),
      actionId: header(msg, 'actionid'),
      headers: redactForLog(msg).headers,
    });
    this.emit('action', msg, s.id);
    return handleAction(this.ctx, s, msg);
  }

  private onLogin(s: AmiSession, ok: boolean): void {
    this.log.info(ok ? 'login accepted' : 'login failed', { session: s.id, username: s.username });
    this.emit('login', s.id, ok);
    if (ok) this.maybeAutoplay(s);
  }

  /** Replay starts when the first session with events on is logged in (at login, or by a later Events action). */
  private maybeAutoplay(s: AmiSession): void {
    const hasTraffic = this.recordings.length > 0 || this.opts.scripted !== undefined;
    if (hasTraffic && !this.autoplayDone && this.opts.autoplay !== false && s.eventMask !== 0) {
      this.autoplayDone = true;
      // after the login response and FullyBooted have been queued
      setImmediate(() =>
        this.play().catch((err: Error) => this.log.warn('replay failed', { error: err.message })),
      );
    }
  }

  private broadcast(text: string, category: number): void {
    for (const s of this.sessions.values()) if (s.wants(category, text)) s.send(text);
  }

  private parseOwn(text: string): AmiMessage | undefined {
    this.selfParsed = undefined;
    this.selfParser.push(Buffer.from(text, 'utf8'));
    return this.selfParsed;
  }

  // ---------------------------------------------------------------- replay

  private async runPlay(): Promise<void> {
    const generation = this.generation;
    const sc = this.opts.scripted;
    let scriptedDone: Promise<void> | undefined;
    if (sc && !this.scripted?.isRunning) {
      if (!this.templates.answered || !this.templates.abandoned) {
        throw new SimulatorError(
          SimulatorErrorCode.TEMPLATE_MISSING,
          'scripted traffic needs the call templates',
        );
      }
      this.scripted = new ScriptedTraffic(
        {
          queues: () => this.model.listQueues().map((q) => q.name),
          agents: (queue) =>
            this.model
              .routableMembers(queue)
              .map((m) => ({ ext: /\/(\d+)@/.exec(m.interface)![1], name: m.name })),
          did: (queue) => this.config.queueDids[queue],
          engine: this.engine,
          ids: this.ids,
          timeScale: this.opts.timeScale ?? 1,
          warn: (m, c) => this.log.warn(m, c),
        },
        { answered: this.templates.answered, abandoned: this.templates.abandoned },
        sc,
      );
      scriptedDone = this.scripted.run();
      this.log.info('scripted traffic started', { ...sc });
    }
    if (this.recordings.length > 0) await this.replay(generation);
    else if (scriptedDone && sc?.durationSeconds !== undefined) await scriptedDone;
    if (generation !== this.generation) return;
    if (this.opts.then === 'close' && (this.recordings.length > 0 || sc !== undefined)) this.restart();
  }

  private async replay(generation: number): Promise<void> {
    const realtime = this.opts.speed === 'realtime';
    const repeat = this.opts.repeat ?? 1;
    // one pass covers every recording; pass N moves every id and time by N x that span
    const spanSec = this.recordings.reduce((sum, r) => sum + Math.ceil(r.durationMs / 1000) + 1, 0);
    let segmentStart = Date.now();
    let batchBytes = 0;
    let sent = 0;
    const started = Date.now();
    for (let pass = 0; pass < repeat; pass++) {
      for (const rec of this.recordings) {
        const plan = pass === 0 ? undefined : repeatPlan(rec.ids, pass, spanSec);
        for (const ev of rec.events) {
          if (generation !== this.generation) return;
          if (realtime) {
            const wait = segmentStart + ev.atMs - Date.now();
            if (wait > 0) {
              await this.flushAll();
              await this.sleep(wait);
              if (generation !== this.generation) return;
            }
          }
          const { text, msg } = plan ? rewriteEvent(ev, plan) : { text: ev.raw, msg: ev.msg };
          this.model.apply(msg);
          this.broadcast(text, ev.category);
          sent++;
          batchBytes += text.length;
          if (batchBytes >= BATCH_BYTES) {
            batchBytes = 0;
            await this.flushAll();
          }
        }
        segmentStart += rec.durationMs + SEGMENT_GAP_MS;
      }
    }
    await this.flushAll();
    const ms = Date.now() - started;
    this.log.info('replay done', {
      events: sent,
      ms,
      eventsPerSecond: ms > 0 ? Math.round((sent * 1000) / ms) : sent,
    });
    this.emit('replay-done');
  }

  /** A pause in a realtime replay that stop() and restarts cut short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private wakeSleepers(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /** Hand queued frames to every socket; wait for those that are full (slowest reader sets the pace). */
  private async flushAll(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const s of this.sessions.values()) {
      s.flush();
      if (s.needsDrain) waits.push(s.waitDrain());
    }
    if (waits.length > 0) await Promise.all(waits);
    else await new Promise((r) => setImmediate(r));
  }

  /** What `core restart now` looks like to AMI clients: Shutdown event, connections closed, a fresh PBX. */
  private restart(): void {
    this.generation++;
    this.wakeSleepers();
    this.scripted?.stop();
    this.engine.clear();
    this.broadcast(
      formatFrame([
        ['Event', 'Shutdown'],
        ['Privilege', 'system,all'],
        ['Shutdown', 'Cleanly'],
        ['Restart', 'True'],
      ]),
      eventCategory('system'),
    );
    for (const s of this.sessions.values()) s.end();
    this.model.reboot();
    this.log.info('simulated Asterisk restart: connections closed, PBX idle');
    this.emit('restart');
  }

  // ---------------------------------------------------------------- live calls

  private async loadTemplates(): Promise<void> {
    const dir = this.opts.fixturesDir ?? defaultFixturesDir();
    const load = async (file: string): Promise<CallTemplate | undefined> => {
      if (dir === undefined || !existsSync(join(dir, file))) return undefined;
      return buildTemplate(await loadRecording(join(dir, file)));
    };
    const [answered, abandoned, clickToCall] = await Promise.all([
      load(TEMPLATES.answered),
      load(TEMPLATES.abandoned),
      load(TEMPLATES.clickToCall),
    ]);
    this.templates = { answered, abandoned, clickToCall };
    if (this.opts.scripted && (!answered || !abandoned)) {
      throw new SimulatorError(
        SimulatorErrorCode.TEMPLATE_MISSING,
        `scripted traffic needs ${TEMPLATES.answered} and ${TEMPLATES.abandoned} in ${dir ?? '(no fixtures directory found)'}`,
      );
    }
    if (!clickToCall)
      this.log.warn('click-to-call template not found: Originate produces a minimal call', { dir });
  }

  /** LiveSink: a generated frame is due. */
  publishLive(text: string, frame: TemplateFrame): void {
    const msg = this.parseOwn(text);
    if (!msg) return;
    if (frame.eventName === 'QueueMemberStatus') {
      // counters and pause state are the model's, only the device status comes from the template
      const regenerated = this.model.liveMemberStatus(msg);
      if (regenerated !== undefined) this.broadcast(regenerated, frame.category);
      return;
    }
    this.model.apply(msg);
    this.broadcast(text, frame.category);
  }

  private placeOriginate(req: OriginateRequest): void {
    const timeScale = this.opts.timeScale ?? 1;
    const local = /^Local\/([^@]+)@([^/]+)/i.exec(req.channel);
    const t = this.templates.clickToCall;
    if (
      t &&
      local &&
      local[2] === 'phones' &&
      req.context === 'outbound' &&
      req.application === '' &&
      /^\d+$/.test(local[1])
    ) {
      const ext = local[1];
      const member = this.model
        .listQueues()
        .flatMap((q) => [...q.members.values()])
        .find((m) => m.interface.startsWith(`Local/${ext}@`));
      this.engine.start(
        originateCall(
          t,
          {
            ext,
            callerName: req.callerName || member?.name || ext,
            dialled: req.exten,
            actionId: req.actionId,
            variables: req.variables,
          },
          this.ids,
          Date.now(),
          timeScale,
        ),
      );
      return;
    }
    const fail = local !== null && !extensionExists(this.config, local[2], local[1]);
    this.engine.start(
      syntheticOriginate(
        {
          channel: req.channel,
          context: req.context,
          exten: req.exten,
          callerNum: req.callerNum,
          callerName: req.callerName,
          actionId: req.actionId,
          fail,
        },
        this.ids,
        Date.now(),
        timeScale,
      ),
    );
  }
}
