import { formatFrame } from './ami-frame.js';
import {
  freshIdPlan,
  literalRegex,
  replaceLiterals,
  type CallTemplate,
  type IdAllocator,
  type TemplateFrame,
} from './call-template.js';
import { rewriteFrame } from './frame-rewriter.js';

/** A call in progress: a template's frames, sent one by one at their (scaled) offsets. */
export interface LiveCall {
  readonly frames: readonly TemplateFrame[];
  /** The frame's text for this call, or undefined to leave it out. */
  readonly render: (frame: TemplateFrame) => string | undefined;
  readonly startMs: number;
  readonly timeScale: number;
  next: number;
}

export interface LiveSink {
  publishLive(text: string, frame: TemplateFrame): void;
}

const due = (c: LiveCall): number => c.startMs + c.frames[c.next].atMs * c.timeScale;

/**
 * Runs generated calls side by side, as a PBX interleaves them: a min-heap of calls ordered by
 * their next event's time and one timer. Memory is one entry per call in progress, capped.
 */
export class LiveCallEngine {
  private readonly heap: LiveCall[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;

  constructor(
    private readonly sink: LiveSink,
    private readonly maxActive = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get active(): number {
    return this.heap.length;
  }

  /** Start a call; false when the engine is full (the call is not placed). */
  start(call: LiveCall): boolean {
    if (call.frames.length === 0) return true;
    if (this.heap.length >= this.maxActive) return false;
    this.push(call);
    this.arm();
    return true;
  }

  /** Forget every call in progress (Asterisk restart, stop). */
  clear(): void {
    this.heap.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
  }

  private arm(): void {
    if (this.heap.length === 0) return;
    const next = due(this.heap[0]);
    if (this.timer && next >= this.timerDue) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = next;
    this.timer = setTimeout(() => this.tick(), Math.max(0, next - this.now()));
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.now();
    while (this.heap.length > 0 && due(this.heap[0]) <= now) {
      const call = this.pop()!;
      while (call.next < call.frames.length && due(call) <= now) {
        const frame = call.frames[call.next++];
        const text = call.render(frame);
        if (text !== undefined) this.sink.publishLive(text, frame);
      }
      if (call.next < call.frames.length) this.push(call);
    }
    this.arm();
  }

  private push(call: LiveCall): void {
    const h = this.heap;
    h.push(call);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (due(h[p]) <= due(h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private pop(): LiveCall | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && due(h[l]) < due(h[m])) m = l;
        if (r < h.length && due(h[r]) < due(h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}

// -------------------------------------------------------------------- inbound queue calls

export interface Agent {
  readonly ext: string;
  readonly name: string;
}

export interface InboundTarget {
  readonly queue: string;
  readonly did?: string;
  readonly callerNum: string;
  readonly callerName: string;
  /** who is rung, in template order: [0] takes the role of the agent who answered in the recording */
  readonly agents: readonly Agent[];
}

const literalCache = new WeakMap<CallTemplate, RegExp | undefined>();

function templateLiterals(t: CallTemplate): RegExp | undefined {
  if (!literalCache.has(t)) {
    literalCache.set(
      t,
      literalRegex(
        [
          t.queue,
          t.did,
          t.callerNum,
          t.callerName,
          t.phoneExt,
          t.dialled,
          ...t.members.flatMap((m) => [m.ext, m.name]),
        ].filter((x): x is string => x !== undefined),
      ),
    );
  }
  return literalCache.get(t);
}

/**
 * A new inbound call from a recorded one: fresh ids, another caller, queue and DID, and the template's
 * agents replaced by `target.agents`. Template agents left without a counterpart (the queue has fewer
 * members) are dropped with every frame that mentions them.
 */
export function inboundCall(
  t: CallTemplate,
  target: InboundTarget,
  ids: IdAllocator,
  startMs: number,
  timeScale: number,
): LiveCall {
  const map = new Map<string, string>();
  if (t.queue) map.set(t.queue, target.queue);
  if (t.did && target.did) map.set(t.did, target.did);
  if (t.callerNum) map.set(t.callerNum, target.callerNum);
  if (t.callerName) map.set(t.callerName, target.callerName);
  const dropped = new Set<string>();
  t.members.forEach((m, i) => {
    const agent = target.agents[i];
    if (agent === undefined) dropped.add(m.ext);
    else {
      map.set(m.ext, agent.ext);
      if (m.name) map.set(m.name, agent.name);
    }
  });
  const re = templateLiterals(t);
  const plan = freshIdPlan(t, ids, Math.floor(startMs / 1000));
  return {
    frames: t.frames,
    startMs,
    timeScale,
    next: 0,
    render: (f) => {
      for (const ext of f.mentions) if (dropped.has(ext)) return undefined;
      return rewriteFrame(replaceLiterals(f.raw, re, map), plan);
    },
  };
}

// -------------------------------------------------------------------- Originate

export interface OriginateTarget {
  readonly ext: string;
  readonly callerName: string;
  readonly dialled: string;
  readonly actionId?: string;
  readonly variables: readonly (readonly [string, string])[];
}

/** Variables the lab's click-to-call Originate passed; a generated call passes the client's instead. */
const RECORDED_ORIGINATE_VARS = new Set(['CRM_COMM_EVENT', 'RING', 'TALK']);
const PLACEHOLDER = /\u0000([NV])(\d+)\u0000/g;

/**
 * A click-to-call from the recorded one (phone rings, answers, the number is dialled in `outbound`):
 * phone, number, caller name, ActionID and the Originate's variables replaced.
 */
export function originateCall(
  t: CallTemplate,
  target: OriginateTarget,
  ids: IdAllocator,
  startMs: number,
  timeScale: number,
): LiveCall {
  // The recording's VarSet frames for the lab's own variables become the client's variables, with
  // placeholders so that no rewriting touches the client's values.
  const frames: TemplateFrame[] = [];
  const done = new Set<string>();
  for (const f of t.frames) {
    if (f.eventName !== 'VarSet' || !RECORDED_ORIGINATE_VARS.has(f.variable ?? '')) {
      frames.push(f);
      continue;
    }
    const channel = f.channel ?? '';
    if (done.has(channel)) continue;
    done.add(channel);
    target.variables.forEach((_, i) => {
      frames.push({
        ...f,
        variable: undefined,
        raw: f.raw.replace(
          /Variable: [^\r]*\r\nValue: [^\r]*\r\n/,
          `Variable: \u0000N${i}\u0000\r\nValue: \u0000V${i}\u0000\r\n`,
        ),
      });
    });
  }
  const map = new Map<string, string>();
  if (t.phoneExt) map.set(t.phoneExt, target.ext);
  if (t.callerName) map.set(t.callerName, target.callerName);
  if (t.dialled) map.set(t.dialled, target.dialled);
  const idLine = t.actionId === undefined ? undefined : `ActionID: ${t.actionId}\r\n`;
  const re = literalRegex(
    [t.phoneExt, t.callerName, t.dialled, idLine].filter((x): x is string => x !== undefined),
  );
  if (idLine) map.set(idLine, target.actionId ? `ActionID: ${target.actionId}\r\n` : '');
  const plan = freshIdPlan(t, ids, Math.floor(startMs / 1000));
  const finalize = (text: string): string =>
    text.replace(
      PLACEHOLDER,
      (_, kind: string, i: string) => target.variables[Number(i)]?.[kind === 'N' ? 0 : 1] ?? '',
    );
  return {
    frames,
    startMs,
    timeScale,
    next: 0,
    render: (f) => finalize(rewriteFrame(replaceLiterals(f.raw, re, map), plan)),
  };
}

export interface SyntheticOriginate {
  /** `PJSIP/1001`, `Local/1001@phones`, ... as given in the action */
  readonly channel: string;
  readonly context: string;
  readonly exten: string;
  readonly callerNum: string;
  readonly callerName: string;
  readonly actionId?: string;
  /** the channel cannot be created (no such extension behind a Local channel) */
  readonly fail: boolean;
}

const frameOf = (raw: string, eventName: string, category: number, atMs: number): TemplateFrame => ({
  raw,
  eventName,
  category,
  atMs,
  mentions: new Set(),
});

/**
 * An Originate that no recording covers: one channel that comes up, is reported by OriginateResponse,
 * talks 3 s and hangs up. Or, when the channel cannot be created, OriginateResponse Failure.
 */
export function syntheticOriginate(
  o: SyntheticOriginate,
  ids: IdAllocator,
  startMs: number,
  timeScale: number,
): LiveCall {
  const id: [string, string][] = o.actionId ? [['ActionID', o.actionId]] : [];
  if (o.fail) {
    const raw = formatFrame([
      ['Event', 'OriginateResponse'],
      ['Privilege', 'call,all'],
      ...id,
      ['Response', 'Failure'],
      ['Channel', o.channel],
      ['Context', o.context],
      ['Exten', o.exten],
      ['Reason', '0'],
      ['Uniqueid', '<null>'],
      ['CallerIDNum', o.callerNum || '<unknown>'],
      ['CallerIDName', o.callerName || '<unknown>'],
    ]);
    return {
      frames: [frameOf(raw, 'OriginateResponse', 2, 500)],
      render: (f) => f.raw,
      startMs,
      timeScale,
      next: 0,
    };
  }
  const uid = `${Math.floor(startMs / 1000)}.${ids.nextSeq()}`;
  const name = `${o.channel}-${ids.nextSuffix()}${o.channel.startsWith('Local/') ? ';1' : ''}`;
  const snapshot = (state: string, desc: string): [string, string][] => [
    ['Channel', name],
    ['ChannelState', state],
    ['ChannelStateDesc', desc],
    ['CallerIDNum', o.callerNum || '<unknown>'],
    ['CallerIDName', o.callerName || '<unknown>'],
    ['ConnectedLineNum', '<unknown>'],
    ['ConnectedLineName', '<unknown>'],
    ['Language', 'en'],
    ['AccountCode', ''],
    ['Context', o.context],
    ['Exten', o.exten],
    ['Priority', '1'],
    ['Uniqueid', uid],
    ['Linkedid', uid],
  ];
  const frames = [
    frameOf(
      formatFrame([['Event', 'Newchannel'], ['Privilege', 'call,all'], ...snapshot('0', 'Down')]),
      'Newchannel',
      2,
      0,
    ),
    frameOf(
      formatFrame([['Event', 'Newstate'], ['Privilege', 'call,all'], ...snapshot('6', 'Up')]),
      'Newstate',
      2,
      1000,
    ),
    frameOf(
      formatFrame([
        ['Event', 'OriginateResponse'],
        ['Privilege', 'call,all'],
        ...id,
        ['Response', 'Success'],
        ['Channel', name],
        ['Context', o.context],
        ['Exten', o.exten],
        ['Reason', '4'],
        ['Uniqueid', uid],
        ['CallerIDNum', o.callerNum || '<unknown>'],
        ['CallerIDName', o.callerName || '<unknown>'],
      ]),
      'OriginateResponse',
      2,
      1000,
    ),
    frameOf(
      formatFrame([
        ['Event', 'Hangup'],
        ['Privilege', 'call,all'],
        ...snapshot('6', 'Up'),
        ['Cause', '16'],
        ['Cause-txt', 'Normal Clearing'],
      ]),
      'Hangup',
      2,
      4000,
    ),
  ];
  return { frames, render: (f) => f.raw, startMs, timeScale, next: 0 };
}

// -------------------------------------------------------------------- scripted traffic

/** Seeded PRNG (mulberry32): the same seed gives the same traffic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CALLER_NAMES = [
  'Ivan Petrov',
  'Olga Smirnova',
  'Anna Kuznetsova',
  'Sergey Volkov',
  'Maria Popova',
  'Dmitry Sokolov',
  'Elena Lebedeva',
  'Pavel Morozov',
];

export interface ScriptedPlan {
  readonly callsPerSecond: number;
  readonly answerRatio: number;
  readonly durationSeconds?: number;
  readonly seed?: number;
}

export interface ScriptedHost {
  /** queues a call can go to */
  queues(): string[];
  /** agents that can be rung in a queue */
  agents(queue: string): Agent[];
  /** DID that routes to a queue, if not the template's */
  did(queue: string): string | undefined;
  readonly engine: LiveCallEngine;
  readonly ids: IdAllocator;
  readonly timeScale: number;
  warn(msg: string, ctx?: object): void;
}

/**
 * Live call traffic: Poisson arrivals at `callsPerSecond`, each call answered with probability
 * `answerRatio` (from the answered-call recording) or abandoned (from the abandoned-call recording),
 * to a random queue, rung to that queue's unpaused agents in random order.
 */
export class ScriptedTraffic {
  private readonly random: () => number;
  private timer: NodeJS.Timeout | undefined;
  private endsAtMs = Infinity;
  private running = false;
  private finished: (() => void) | undefined;
  private fullWarned = false;
  /** agents rung by a call in progress, until that call ends (ringinuse=no: a busy agent is not rung) */
  private readonly busyUntil = new Map<string, number>();
  /** calls placed so far */
  placed = 0;
  answered = 0;
  skipped = 0;

  constructor(
    private readonly host: ScriptedHost,
    private readonly templates: { readonly answered: CallTemplate; readonly abandoned: CallTemplate },
    private readonly plan: ScriptedPlan,
  ) {
    this.random = seededRandom(plan.seed ?? Date.now());
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Start placing calls; resolves when durationSeconds has passed (or stop() was called). */
  run(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    this.endsAtMs =
      this.plan.durationSeconds === undefined ? Infinity : Date.now() + this.plan.durationSeconds * 1000;
    const done = new Promise<void>((resolve) => (this.finished = resolve));
    this.scheduleNext();
    return done;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = false;
    this.finished?.();
    this.finished = undefined;
  }

  private scheduleNext(): void {
    // exponential inter-arrival times: a Poisson process, calls overlap as they would on a PBX
    const gapMs = (-Math.log(1 - this.random()) / this.plan.callsPerSecond) * 1000;
    if (Date.now() + gapMs >= this.endsAtMs) {
      this.timer = setTimeout(() => this.stop(), Math.max(0, this.endsAtMs - Date.now()));
      this.timer.unref();
      return;
    }
    this.timer = setTimeout(() => {
      this.placeCall();
      if (this.running) this.scheduleNext();
    }, gapMs);
    this.timer.unref();
  }

  placeCall(): void {
    const queues = this.host.queues();
    if (queues.length === 0) return;
    const queue = queues[Math.floor(this.random() * queues.length)];
    const now = Date.now();
    const agents = this.host.agents(queue).filter((a) => (this.busyUntil.get(a.ext) ?? 0) <= now);
    for (let i = agents.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [agents[i], agents[j]] = [agents[j], agents[i]];
    }
    const wantsAnswer = this.random() < this.plan.answerRatio;
    const answered = wantsAnswer && agents.length > 0;
    const template = answered ? this.templates.answered : this.templates.abandoned;
    const n = Math.floor(this.random() * 10_000_000);
    const call = inboundCall(
      template,
      {
        queue,
        did: this.host.did(queue) ?? template.did,
        callerNum: `+7916${String(n).padStart(7, '0')}`,
        callerName: CALLER_NAMES[n % CALLER_NAMES.length],
        agents,
      },
      this.host.ids,
      now,
      this.host.timeScale,
    );
    if (!this.host.engine.start(call)) {
      this.skipped++;
      if (!this.fullWarned) {
        this.fullWarned = true;
        this.host.warn('scripted traffic: too many calls in progress, skipping new ones', {
          active: this.host.engine.active,
        });
      }
      return;
    }
    this.placed++;
    if (answered) this.answered++;
    const endsAt = now + template.durationMs * this.host.timeScale;
    for (const a of agents.slice(0, template.members.length)) this.busyUntil.set(a.ext, endsAt);
  }
}
