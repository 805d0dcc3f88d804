import { join } from 'node:path';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { normalizePhone } from '../../../common/phone/phone-normalizer.js';
import { AppConfig } from '../../../config/app-config.js';
import { HealthService } from '../../health/health.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { CallEventsBus, type CallsSyncedEvent } from '../call-events.bus.js';
import { extensionKey, type PbxExtension } from '../ports/calls.ports.js';
import { CallsPorts } from '../ports/calls-ports.js';
import type { CallRecord, CallStatus, LiveCall } from '../tracker/index.js';
import {
  type CommEventDraft,
  customerNumber,
  draftFromLive,
  draftFromRecord,
  draftKey,
  statusRank,
  supersedes,
} from './comm-event-draft.js';
import { CommEventJournal } from './comm-event-journal.js';
import { type CommEventRow, CommEventsRepository, type SavedRow } from './comm-events.repository.js';

/** A call waiting to be written: the tracker's immutable view, turned into a draft at flush time. */
interface Pending {
  readonly status: CallStatus;
  readonly live?: LiveCall;
  readonly record?: CallRecord;
  readonly draft?: CommEventDraft;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;
const LOG_INTERVAL_MS = 30_000;
export const ORPHAN_NOTE = 'closed at start: the app stopped during this call and could not follow its end';

function toDraft(p: Pending): CommEventDraft {
  return p.draft ?? (p.record ? draftFromRecord(p.record) : draftFromLive(p.live!));
}

/** Keeps, per call, the draft that a status never goes back from (the later one on a tie). */
function coalesce(drafts: readonly CommEventDraft[]): CommEventDraft[] {
  const byKey = new Map<string, CommEventDraft>();
  for (const d of drafts) {
    const key = draftKey(d);
    const prev = byKey.get(key);
    if (prev === undefined || supersedes(d, prev)) byKey.set(key, d);
  }
  return [...byKey.values()];
}

/**
 * SQLSTATE classes that say the rows themselves are wrong (data exception, integrity, syntax or
 * undefined object): retrying the same statement cannot help. Anything else (connection refused or
 * lost, shutdown, too many connections, serialization) is waited out.
 */
function isPermanent(e: unknown): boolean {
  const err = e as { code?: unknown; driverError?: { code?: unknown } };
  const code = err.driverError?.code ?? err.code;
  return typeof code === 'string' && /^(22|23|42)[0-9A-Z]{3}$/.test(code);
}

/**
 * Persists calls as CommEvents: call.started (entered), call.answered (in_progress) and call.ended
 * (complete) from the CallEventsBus. The bus handler only puts the call in a map (coalescing its
 * states: the last word wins, a status never goes back); a timer or a full batch starts a flush
 * that looks up agent users and contacts for the whole batch (one query each) and writes it in one
 * multi-row upsert. One flush at a time.
 *
 * Nothing is lost: a failed flush puts its calls back and retries with backoff; past
 * COMM_EVENTS_BUFFER_SIZE calls in memory the buffer spills to the journal
 * (DATA_DIR/journal/comm-events.jsonl), replayed after the next good write and at start; at
 * shutdown whatever the database cannot take is journaled.
 */
@Injectable()
export class CommEventWriter
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(CommEventWriter.name);
  private readonly pending = new Map<string, Pending>();
  private readonly journal: CommEventJournal;
  private readonly bufferSize: number;
  private readonly batchSize: number;
  private readonly flushMs: number;
  private readonly startedAt = new Date();

  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  /** Drafts in the statement being written (for /health and for the shutdown journal). */
  private inFlight: readonly CommEventDraft[] = [];
  private replayIter: AsyncGenerator<CommEventDraft[]> | undefined;
  private replayChunk: CommEventDraft[] | undefined;
  private bootReplay: Promise<void> = Promise.resolve();
  private failures = 0;
  private lastError: string | undefined;
  private lastLogAt = 0;
  private written = 0;
  private spilled = 0;
  private shuttingDown = false;
  /** After the shutdown flush: late records go straight to the journal. */
  private closed = false;

  private readonly writtenTotal;
  private readonly backlogGauge;
  private readonly batchSeconds;

  constructor(
    private readonly bus: CallEventsBus,
    private readonly repo: CommEventsRepository,
    private readonly ports: CallsPorts,
    private readonly config: AppConfig,
    private readonly health: HealthService,
    metrics: MetricsService,
  ) {
    this.bufferSize = config.commEvents.bufferSize;
    this.batchSize = config.commEvents.batchSize;
    this.flushMs = config.commEvents.flushMs;
    this.journal = new CommEventJournal(join(config.dataDir, 'journal'));
    this.writtenTotal = metrics.counter({
      name: 'switchboard_comm_events_written_total',
      help: 'CommEvent records written to PostgreSQL, by status (a call may be written once per status)',
      labelNames: ['status'],
    });
    this.backlogGauge = metrics.gauge({
      name: 'switchboard_comm_event_backlog',
      help: 'CommEvent records not yet in PostgreSQL, by where they wait',
      labelNames: ['where'],
    });
    this.batchSeconds = metrics.histogram({
      name: 'switchboard_comm_event_batch_duration_seconds',
      help: 'Time to look up and upsert one batch of CommEvents, by outcome',
      labelNames: ['outcome'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
  }

  onModuleInit(): void {
    this.bus.on('call.started', (e) =>
      this.add(e.call.pbx, e.call.linkedid, { status: 'entered', live: e.call }),
    );
    this.bus.on('call.answered', (e) =>
      this.add(e.call.pbx, e.call.linkedid, { status: 'in_progress', live: e.call }),
    );
    this.bus.on('call.ended', (e) =>
      this.add(e.record.pbx, e.record.linkedid, { status: 'complete', record: e.record }),
    );
    this.bus.on('calls.synced', (e) => void this.closeOrphans(e));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.health.register('comm-events', () => this.status());
    await this.journal.init();
    if (this.journal.records > 0) {
      this.logger.log(
        { records: this.journal.records },
        'Replaying the CommEvent journal left by an earlier run',
      );
      this.bootReplay = this.kick();
      await this.bootReplay;
    }
  }

  /** Flush what is pending while the database is still there; journal what it cannot take. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    this.clearTimers();
    const deadline = Date.now() + Math.max(1000, Math.min(this.config.shutdownTimeoutMs / 2, 10_000));
    while (Date.now() < deadline) {
      if (this.draining) await Promise.race([this.draining, sleep(deadline - Date.now())]);
      else if (this.pending.size > 0 && this.failures === 0) void this.kick();
      else break;
    }
    this.closed = true;
    await this.journal.settled(); // spills still being appended
    this.journalRemaining();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.clearTimers();
    await this.journal.settled();
    this.journalRemaining();
    await this.replayIter?.return(undefined);
  }

  /** Everything written so far and every queue emptied (tests, the benchmark). */
  get idle(): boolean {
    return this.pending.size === 0 && this.inFlight.length === 0 && this.draining === undefined;
  }

  // ---- the bus side (synchronous, in memory) ------------------------------------------------------

  private add(pbxId: string, linkedid: string, entry: Pending): void {
    if (this.closed) {
      this.journal.appendSync([toDraft(entry)]);
      return;
    }
    const key = `${pbxId}\n${linkedid}`;
    const prev = this.pending.get(key);
    if (prev !== undefined) {
      if (statusRank(entry.status) < statusRank(prev.status)) return;
    } else if (this.pending.size >= this.bufferSize) {
      this.spill();
    }
    this.pending.set(key, entry);
    this.schedule();
  }

  private schedule(): void {
    if (this.draining || this.retryTimer || this.shuttingDown) return;
    if (this.pending.size >= this.batchSize) {
      this.immediate ??= setImmediate(() => void this.kick());
    } else {
      this.timer ??= setTimeout(() => void this.kick(), this.flushMs);
    }
  }

  /** Moves the whole buffer to the journal (the database is not keeping up, or is away). */
  private spill(): void {
    // The entries are immutable views: turning them into journal lines waits for the journal's turn,
    // off the bus handler that overflowed.
    const entries = [...this.pending.values()];
    this.pending.clear();
    this.spilled += entries.length;
    this.logger.warn(
      { records: entries.length, journaled: this.journal.records + entries.length },
      'CommEvent buffer full: spilling it to the journal',
    );
    this.journal
      .append(entries.length, () => entries.map(toDraft))
      .catch((e: unknown) => {
        // The disk refused too: nothing else can hold them.
        this.logger.error(
          { err: e, records: entries.length },
          'Could not write the CommEvent journal: records lost',
        );
      });
    this.updateGauges();
  }

  // ---- the flush side ---------------------------------------------------------------------------

  private kick(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.draining ??= this.drain()
      .catch((e: unknown) => this.logger.error({ err: e }, 'CommEvent flush failed unexpectedly'))
      .finally(() => {
        this.draining = undefined;
        this.updateGauges();
        if (this.pending.size > 0) this.schedule();
      });
    return this.draining;
  }

  /** Writes batches until memory is empty, one journal chunk after each batch so neither starves. */
  private async drain(): Promise<void> {
    for (;;) {
      let progressed = false;
      if (this.pending.size > 0) {
        const taken = this.take();
        const drafts = taken.map(([, p]) => toDraft(p));
        if (!(await this.write(drafts))) {
          this.requeue(taken);
          this.retryLater();
          return;
        }
        progressed = true;
      }
      if (!this.shuttingDown && this.journal.records > 0) {
        if (!(await this.replayStep())) return;
        progressed = true;
      }
      if (!progressed) return;
    }
  }

  private take(): [string, Pending][] {
    const out: [string, Pending][] = [];
    for (const entry of this.pending) {
      out.push(entry);
      if (out.length >= this.batchSize) break;
    }
    for (const [key] of out) this.pending.delete(key);
    return out;
  }

  /** Puts a failed batch back, unless the call has moved on meanwhile. */
  private requeue(taken: readonly [string, Pending][]): void {
    for (const [key, p] of taken) {
      const now = this.pending.get(key);
      if (now === undefined || statusRank(now.status) < statusRank(p.status)) this.pending.set(key, p);
    }
    if (this.pending.size > this.bufferSize) this.spill();
  }

  private retryLater(): void {
    if (this.shuttingDown) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(this.failures - 1, 10));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = undefined;
        void this.kick();
      },
      Math.round(delay * (0.75 + Math.random() * 0.5)),
    );
  }

  /** One chunk of the journal; false when the database refused it (retried later). */
  private async replayStep(): Promise<boolean> {
    if (this.replayChunk === undefined) {
      if (this.replayIter === undefined) {
        if (!(await this.journal.openReplay())) return false;
        this.replayIter = this.journal.chunks(this.batchSize);
      }
      const next = await this.replayIter.next();
      if (next.done) {
        this.replayIter = undefined;
        await this.journal.finishReplay();
        this.logger.log({ journaled: this.journal.records }, 'CommEvent journal replayed');
        return true;
      }
      this.replayChunk = coalesce(next.value);
    }
    if (!(await this.write(this.replayChunk))) {
      this.retryLater();
      return false;
    }
    this.replayChunk = undefined;
    return true;
  }

  /** Looks up and upserts one batch; false on a failure worth retrying. */
  private async write(drafts: readonly CommEventDraft[]): Promise<boolean> {
    this.inFlight = drafts;
    this.updateGauges();
    const end = this.batchSeconds.startTimer();
    try {
      const saved = await this.repo.upsert(await this.rows(drafts));
      end({ outcome: 'ok' });
      this.wrote(drafts, saved);
      return true;
    } catch (e) {
      end({ outcome: 'error' });
      if (isPermanent(e)) return this.isolate(drafts, e);
      this.failures++;
      this.lastError = (e as Error).message;
      this.logRateLimited(
        { err: this.lastError, records: drafts.length, failures: this.failures },
        'CommEvent write failed; will retry',
      );
      return false;
    } finally {
      this.inFlight = [];
    }
  }

  /** A batch the database refused for its content: write the calls one by one, set aside the bad ones. */
  private async isolate(drafts: readonly CommEventDraft[], cause: unknown): Promise<boolean> {
    this.logger.error(
      { err: (cause as Error).message, records: drafts.length },
      'CommEvent batch refused; writing its calls one by one',
    );
    for (const d of drafts) {
      try {
        this.wrote([d], await this.repo.upsert(await this.rows([d])));
      } catch (e) {
        if (!isPermanent(e)) {
          this.failures++;
          this.lastError = (e as Error).message;
          return false;
        }
        this.logger.error(
          { pbx: d.pbxId, linkedid: d.linkedid, err: (e as Error).message },
          'CommEvent refused: set aside',
        );
        await this.journal.reject(d, (e as Error).message);
      }
    }
    return true;
  }

  private wrote(drafts: readonly CommEventDraft[], saved: readonly SavedRow[]): void {
    if (this.failures > 0) this.logger.log({ after: this.failures }, 'CommEvent writes recovered');
    this.failures = 0;
    this.lastError = undefined;
    this.written += drafts.length;
    for (const d of drafts) this.writtenTotal.labels({ status: d.status }).inc();
    for (const r of saved) {
      try {
        this.bus.emit('comm-event.saved', {
          pbxId: r.pbxId,
          linkedid: r.linkedid,
          id: r.id,
          status: r.status,
        });
      } catch (e) {
        this.logger.error({ err: e, linkedid: r.linkedid }, 'A comm-event.saved subscriber threw');
      }
    }
  }

  /** E.164 forms, agent users and contacts for a batch: one directory query and one contacts query. */
  private async rows(drafts: readonly CommEventDraft[]): Promise<CommEventRow[]> {
    const country = this.config.phone.defaultCountry;
    const agents = new Map<string, PbxExtension>();
    const numbers = new Set<string>();
    for (const d of drafts) {
      if (d.agentExtension)
        agents.set(extensionKey(d.pbxId, d.agentExtension), { pbxId: d.pbxId, extension: d.agentExtension });
      const n = customerNumber(d);
      if (n) numbers.add(n);
    }
    const directory = this.ports.agentDirectory;
    const matcher = this.ports.contactMatcher;
    const [users, contacts] = await Promise.all([
      directory && agents.size > 0
        ? directory
            .usersByExtension([...agents.values()])
            .catch((e: unknown) => this.lookupFailed('agent users', e))
        : new Map<string, string>(),
      matcher && numbers.size > 0
        ? matcher.matchNumbers([...numbers]).catch((e: unknown) => this.lookupFailed('contacts', e))
        : new Map<string, string>(),
    ]);
    const e164 = (n: string | null) => (n === null ? null : (normalizePhone(n, country).e164 ?? null));
    return drafts.map((d) => {
      const customer = customerNumber(d);
      return {
        ...d,
        fromE164: e164(d.fromNumber),
        toE164: e164(d.toNumber),
        agentUserId: d.agentExtension ? (users.get(extensionKey(d.pbxId, d.agentExtension)) ?? null) : null,
        contactId: customer ? (contacts.get(customer) ?? null) : null,
      };
    });
  }

  private lookupFailed(what: string, e: unknown): Map<string, string> {
    this.logRateLimited({ err: (e as Error).message }, `CommEvent ${what} lookup failed; writing without`);
    return new Map();
  }

  // ---- recovery of rows an earlier run left open ------------------------------------------------

  private async closeOrphans(e: CallsSyncedEvent): Promise<void> {
    if (!e.first) return;
    try {
      await this.bootReplay;
      const before = e.streamStartedAt ?? this.startedAt;
      const n = await this.repo.closeOrphans(e.pbxId, before, e.liveLinkedids, e.at, ORPHAN_NOTE);
      if (n > 0) this.logger.warn({ pbx: e.pbxId, closed: n }, 'Closed CommEvents an earlier run left open');
    } catch (err) {
      this.logger.warn(
        { pbx: e.pbxId, err: (err as Error).message },
        'Could not close CommEvents an earlier run left open',
      );
    }
  }

  // ---- shutdown, health, metrics ----------------------------------------------------------------

  private journalRemaining(): void {
    // A statement still in flight may or may not have landed: journal it too (upserts are idempotent).
    const drafts = coalesce([
      ...this.inFlight,
      ...(this.replayChunk ?? []),
      ...[...this.pending.values()].map(toDraft),
    ]);
    this.pending.clear();
    this.replayChunk = undefined;
    if (drafts.length === 0) return;
    try {
      this.journal.appendSync(drafts);
      this.logger.warn(
        { records: drafts.length },
        'CommEvents journaled at shutdown (written at the next start)',
      );
    } catch (e) {
      this.logger.error(
        { err: e, records: drafts.length },
        'Could not journal CommEvents at shutdown: records lost',
      );
    }
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.retryTimer = this.immediate = undefined;
  }

  private status() {
    this.updateGauges();
    const journaled = this.journal.records;
    return {
      status: this.failures > 0 || journaled > 0 ? ('degraded' as const) : ('up' as const),
      /** Calls waiting in memory (at most COMM_EVENTS_BUFFER_SIZE)... */
      pending: this.pending.size,
      /** ...and in the statement being written. */
      inFlight: this.inFlight.length,
      journaled,
      written: this.written,
      spilled: this.spilled,
      failures: this.failures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private updateGauges(): void {
    this.backlogGauge.labels({ where: 'memory' }).set(this.pending.size + this.inFlight.length);
    this.backlogGauge.labels({ where: 'journal' }).set(this.journal.records);
  }

  private logRateLimited(obj: object, msg: string): void {
    const now = Date.now();
    if (now - this.lastLogAt < LOG_INTERVAL_MS) return;
    this.lastLogAt = now;
    this.logger.warn(obj, msg);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)).unref());
}
