import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type {
  CallAnswered,
  CallbackTask,
  DialProgress,
  DialState,
  QueueStats,
  Snapshot,
} from '../../client/operator-protocol.js';
import { AppConfig } from '../../config/app-config.js';
import { header, type AmiMessage } from '../../protocol/ami/ami-message.js';
import { AmiGatewayService } from '../ami/ami-gateway.service.js';
import type { CallBusEvent } from '../calls/call-events.bus.js';
import type { LiveCall, QueueState } from '../calls/tracker/index.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AgentStatusService } from './agent-status.service.js';
import { CallbacksService } from './callbacks/callbacks.service.js';
import { CallChannels } from './call-channels.js';
import { DialTracker, originateReasonText } from './dial-tracker.js';
import { OfferRegistry } from './offer-registry.js';
import { formatCallId } from './operator-call-id.js';
import { OperatorPublisher } from './operator-publisher.js';
import { rooms } from './operator-rooms.js';
import { PopupService } from './popup.service.js';
import { OperatorPorts } from './ports/operator-ports.service.js';
import { extensionKey } from './ports/operator-ports.js';
import { CALL_CLAIMS, type CallClaims } from './state/call-claims.js';
import { KeyedChain } from './state/keyed-chain.js';
import { TtlCache } from './state/ttl-cache.js';

/**
 * queue:stats and agent:status change with every call: each is sent at most this often per queue /
 * user (a queue's figures go to every member, one write per member socket).
 */
const QUEUE_STATS_COALESCE_MS = 2_000;
const AGENT_STATUS_COALESCE_MS = 250;
/** Agents whose status is built and sent per event-loop turn of a flush. */
const AGENT_STATUS_SLICE = 8;
/** How long call:ended waits for the CommEvent row (the calls module writes in batches). */
const COMM_EVENT_WAIT_MS = 3_000;
/** The channel variable a click-to-call Originate sets, so its call is known from its first event. */
export const DIAL_ID_VARIABLE = 'CRM_DIAL_ID';

/**
 * Turns the calls module's domain events into operator events and decides who gets each: a popup
 * only to the operator whose phone rings (never to anyone else), an agent's call and status events
 * to that agent and the supervisors of their groups, queue figures to the queue's members. Also
 * follows click-to-call requests (dial:progress) and call-back tasks.
 *
 * Bus listeners stay synchronous (the AMI read path); the work that needs the directory or the
 * database runs in a per-call chain, so the events of one call keep their order.
 */
@Injectable()
export class OperatorEventsService implements OnApplicationShutdown {
  private readonly logger = new Logger(OperatorEventsService.name);
  readonly offers = new OfferRegistry();
  readonly dials = new DialTracker();
  private readonly channels = new Map<string, CallChannels>();
  private readonly chain = new KeyedChain();
  /**
   * Directory changes drop what they touch at once (directoryChanged), so the ttl only bounds a
   * missed notification (DirectoryChanges.cacheTtlMs); past it the answer is still used for a popup
   * while it is read again. A phone nobody owns yet may be given to someone any moment: "nobody"
   * is kept only while every change is heard (each one drops all the "nobody" answers: it does
   * not say which phones it gave).
   */
  private readonly userOfExtension = new TtlCache<string | null>({
    ttlMs: () => this.ports.directory.cacheTtlMs(30_000),
    staleMs: 30_000,
    maxEntries: 50_000,
    nullTtlMs: () => this.ports.directory.cacheTtlMs(0),
  });
  private readonly supervisorsOf = new TtlCache<string[]>({
    ttlMs: () => this.ports.directory.cacheTtlMs(60_000),
    staleMs: 60_000,
    maxEntries: 50_000,
  });
  /** Calls whose answer already closed the caller's call-back tasks. */
  private readonly callbacksClosed = new Set<string>();
  private readonly pendingQueueStats = new Map<string, { pbxId: string; queue: QueueState }>();
  private readonly lastQueueFigures = new Map<string, string>();
  private readonly pendingAgentStatus = new Set<string>();

  private queueTimer: NodeJS.Timeout | undefined;
  private agentTimer: NodeJS.Timeout | undefined;
  private agentFlushing = false;
  private stopped = false;
  private unsubscribe: (() => void)[] = [];
  private readonly popupSeconds;

  constructor(
    private readonly ports: OperatorPorts,
    private readonly publisher: OperatorPublisher,
    private readonly popups: PopupService,
    private readonly callbacks: CallbacksService,
    private readonly agents: AgentStatusService,
    private readonly gateway: AmiGatewayService,
    private readonly config: AppConfig,
    @Inject(CALL_CLAIMS) private readonly claims: CallClaims,
    metrics: MetricsService,
  ) {
    this.popupSeconds = metrics.histogram({
      name: 'switchboard_operator_popup_seconds',
      help: 'From the tracker event to call:offered handed to Socket.IO',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    });
    this.ports.whenBound(() => this.subscribe());
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    clearTimeout(this.queueTimer);
    clearTimeout(this.agentTimer);
  }

  /** Channel names of a PBX's live calls (for Redirect / Hangup). */
  channelsOf(pbxId: string): CallChannels {
    let c = this.channels.get(pbxId);
    if (!c) this.channels.set(pbxId, (c = new CallChannels()));
    return c;
  }

  /** The user owning an extension on a PBX (cached 30 s), null when nobody does. */
  userOf(pbxId: string, extension: string | null): Promise<string | null> {
    if (!extension) return Promise.resolve(null);
    const key = extensionKey(pbxId, extension);
    return this.userOfExtension.get(key, async () => {
      const found = await this.ports.directory.usersByExtension([{ pbxId, extension }]);
      return found.get(key) ?? null;
    });
  }

  /** An agent and the supervisors of their groups. */
  async agentAudience(userId: string | null): Promise<string[]> {
    if (!userId) return [];
    const sups = await this.supervisorsOf
      .get(userId, () => this.ports.directory.supervisorsOfUser(userId))
      .catch(() => [] as string[]);
    return [userId, ...sups];
  }

  // ------------------------------------------------------------------------------ subscriptions

  private subscribe(): void {
    const onAmi = (pbxId: string, msg: AmiMessage) => this.onAmiEvent(pbxId, msg);
    const onReady = (pbxId: string) => this.channels.get(pbxId)?.clear();
    this.gateway.on('event', onAmi);
    this.gateway.on('ready', onReady);
    this.unsubscribe.push(() => {
      this.gateway.off('event', onAmi);
      this.gateway.off('ready', onReady);
    });
    this.unsubscribe.push(this.ports.directory.onUsersChanged((users) => this.directoryChanged(users)));
    const bus = this.ports.bus;
    if (!bus) return;
    const on = <T extends Parameters<typeof bus.on>[0]>(type: T, fn: (e: never) => void) => {
      bus.on(type, fn as never);
      this.unsubscribe.push(() => bus.off(type, fn as never));
    };
    // An inbound caller may ring agents soon (directly or from a queue): their popup's contacts and
    // history are read at the first event of the call, and again behind at the queue if that was
    // over 5 s ago.
    on('call.started', (e: CallBusEvent<'call.started'>) => {
      if (e.call.direction === 'inbound') this.popups.prefetch(e.call);
    });
    on('call.queued', (e: CallBusEvent<'call.queued'>) => this.popups.prefetch(e.call));
    on('call.offered', (e: CallBusEvent<'call.offered'>) => this.onOffered(e));
    on('call.offer-ended', (e: CallBusEvent<'call.offer-ended'>) => this.onOfferEnded(e));
    on('call.answered', (e: CallBusEvent<'call.answered'>) => this.onAnswered(e));
    on('call.transferred', (e: CallBusEvent<'call.transferred'>) => this.onTransferred(e));
    on('call.ended', (e: CallBusEvent<'call.ended'>) => this.onEnded(e));
    on('member.status', (e: CallBusEvent<'member.status'>) => {
      this.agents.onMember(e.pbxId, e.member);
      this.agentChanged(e.pbxId, e.member.extension);
    });
    on('extension.state', (e: CallBusEvent<'extension.state'>) => {
      this.agents.onPresence(e.pbxId, e.ext);
      this.agentChanged(e.pbxId, e.ext.extension);
    });
    on('queue.stats', (e: CallBusEvent<'queue.stats'>) => this.queueChanged(e.pbxId, e.queue));
  }

  private inChain(call: LiveCall, pbxId: string, what: string, task: () => Promise<void>): void {
    void this.chain.run(formatCallId(pbxId, call.linkedid), () =>
      task().catch((e: unknown) =>
        this.logger.error(
          { err: e, pbx: pbxId, linkedid: call.linkedid, what },
          'Operator event handling failed',
        ),
      ),
    );
  }

  private onAmiEvent(pbxId: string, msg: AmiMessage): void {
    const channels = this.channelsOf(pbxId);
    channels.handle(msg);
    if (header(msg, 'event') !== 'OriginateResponse') return;
    const dialId = this.dials.byAction(header(msg, 'actionid') ?? '');
    if (!dialId) return;
    const uniqueid = header(msg, 'uniqueid') ?? '';
    const linkedid = channels.linkedidOf(uniqueid);
    if (linkedid) this.dials.bind(dialId, linkedid, formatCallId(pbxId, linkedid));
    if (header(msg, 'response') === 'Success') {
      this.advanceDial(dialId, 'ringing-customer');
      const channel = header(msg, 'channel');
      if (this.config.operator.recordOutCalls && channel)
        void this.record(pbxId, channel, linkedid ?? uniqueid);
    } else {
      const reason = Number(header(msg, 'reason') ?? '0');
      this.advanceDial(dialId, 'failed', { cause: reason, causeText: originateReasonText(reason) });
    }
  }

  /** RECORD_OUT_CALLS: MixMonitor on the operator's channel once it answered (no dialplan needed). */
  private async record(pbxId: string, channel: string, linkedid: string): Promise<void> {
    try {
      await this.gateway.action(pbxId, 'MixMonitor', {
        Channel: channel,
        File: `${linkedid}-out.wav`,
        Options: 'b',
      });
    } catch (e) {
      this.logger.warn(
        { pbx: pbxId, channel, err: (e as Error).message },
        'Could not start recording a click-to-call',
      );
    }
  }

  private onOffered({ pbxId, call, leg }: CallBusEvent<'call.offered'>): void {
    const dialId = call.variables[DIAL_ID_VARIABLE];
    if (dialId) {
      // The operator's own phone ringing for their click-to-call: progress, not a popup.
      this.dials.bind(dialId, call.linkedid, formatCallId(pbxId, call.linkedid));
      this.advanceDial(dialId, 'ringing-agent');
      return;
    }
    const extension = leg.extension;
    if (!extension) return;
    const started = performance.now();
    this.inChain(call, pbxId, 'offered', async () => {
      const userId = await this.userOf(pbxId, extension);
      if (!userId) return;
      const callId = formatCallId(pbxId, call.linkedid);
      // The operator who pressed Answer: the redirected caller now rings their phone directly.
      if ((await this.claims.holder(callId)) === userId) return;
      if (!this.offers.begin(callId, userId, extension)) return;
      const popup = await this.popups.build(pbxId, call, leg, extension);
      if (!this.offers.show(callId, userId, popup)) return;
      await this.publisher.publish([userId], 'call:offered', popup);
      this.popupSeconds.observe((performance.now() - started) / 1000);
    });
  }

  private onOfferEnded({ pbxId, call, leg, reason }: CallBusEvent<'call.offer-ended'>): void {
    if (call.variables[DIAL_ID_VARIABLE] || !leg.extension) return;
    const extension = leg.extension;
    this.inChain(call, pbxId, 'offer-ended', async () => {
      const userId = await this.userOf(pbxId, extension);
      if (!userId) return;
      const callId = formatCallId(pbxId, call.linkedid);
      if (!this.offers.end(callId, userId)?.wasShown) return;
      await this.publisher.publish([userId], 'call:retracted', {
        callId,
        reason,
        answeredBy:
          reason === 'answered-elsewhere' ? { extension: call.agentExtension, name: call.agentName } : null,
      });
    });
  }

  /** Popups of this call still open elsewhere are closed: someone took it. */
  async retractOthers(
    callId: string,
    keep: string | null,
    by: { extension: string | null; name: string | null },
  ): Promise<void> {
    const shown = this.offers.endCall(callId, keep ?? undefined);
    if (shown.length > 0) {
      await this.publisher.publish(shown, 'call:retracted', {
        callId,
        reason: 'answered-elsewhere',
        answeredBy: by,
      });
    }
  }

  private onAnswered({ pbxId, call, leg }: CallBusEvent<'call.answered'>): void {
    const callId = formatCallId(pbxId, call.linkedid);
    const dialId = call.variables[DIAL_ID_VARIABLE];
    if (dialId) {
      this.dials.bind(dialId, call.linkedid, callId);
      // First the operator's own phone answers, then (through a trunk) the number does.
      const state = this.dials.get(dialId)?.progress.state;
      this.advanceDial(dialId, state === 'ringing-customer' ? 'answered' : 'ringing-customer');
    }
    this.inChain(call, pbxId, 'answered', async () => {
      const userId = await this.userOf(pbxId, leg.extension);
      if (userId) this.offers.end(callId, userId);
      await this.retractOthers(callId, userId, {
        extension: leg.extension,
        name: leg.memberName ?? call.agentName,
      });
      const remote = call.direction === 'outbound' ? call.toNumber : call.fromNumber;
      await this.publisher.publish(
        await this.agentAudience(userId),
        'call:answered',
        this.answered(pbxId, call, userId, leg.extension),
      );
      // A click-to-call knows its number before Asterisk says it (the tracker learns it from OriginateResponse).
      const dialled = dialId ? this.dials.get(dialId)?.progress.number : undefined;
      await this.closeCallbacks(pbxId, call.linkedid, remote ?? dialled ?? null);
    });
  }

  /** Someone talked with this number: its open call-back tasks are done (once per call). */
  private async closeCallbacks(pbxId: string, linkedid: string, number: string | null): Promise<void> {
    const callId = formatCallId(pbxId, linkedid);
    if (!number || this.callbacksClosed.has(callId)) return;
    if (this.callbacksClosed.size >= 10_000) this.callbacksClosed.clear();
    this.callbacksClosed.add(callId);
    for (const task of await this.callbacks.closeCalledBack(number, pbxId, linkedid)) {
      await this.publishCallback('callback:closed', task);
    }
  }

  answered(pbxId: string, call: LiveCall, userId: string | null, extension: string | null): CallAnswered {
    return {
      callId: formatCallId(pbxId, call.linkedid),
      pbxId,
      direction: call.direction,
      userId,
      extension: extension ?? call.agentExtension,
      agentName: call.agentName,
      callerNumber: call.fromNumber,
      callerName: call.fromName,
      remoteNumber: call.direction === 'outbound' ? call.toNumber : call.fromNumber,
      queue: call.queue,
      answeredAt: (call.answeredAt ?? new Date()).toISOString(),
    };
  }

  private onTransferred({ pbxId, call, transfer }: CallBusEvent<'call.transferred'>): void {
    this.inChain(call, pbxId, 'transferred', async () => {
      const [from, to] = await Promise.all([
        this.userOf(pbxId, transfer.fromExtension),
        this.userOf(pbxId, transfer.toExtension),
      ]);
      const audience = [...(await this.agentAudience(from)), ...(await this.agentAudience(to))];
      await this.publisher.publish(audience, 'call:transferred', {
        callId: formatCallId(pbxId, call.linkedid),
        kind: transfer.kind,
        fromExtension: transfer.fromExtension,
        toExtension: transfer.toExtension,
      });
    });
  }

  private onEnded({ pbxId, call, record }: CallBusEvent<'call.ended'>): void {
    const callId = formatCallId(pbxId, call.linkedid);
    const dialId = record.variables[DIAL_ID_VARIABLE];
    if (dialId) {
      // Every request ends in answered or failed, even where the dialplan reached the number without a Dial.
      this.advanceDial(
        dialId,
        record.outcome === 'answered' ? 'answered' : 'failed',
        record.outcome === 'answered'
          ? undefined
          : { cause: record.hangupCause, causeText: record.hangupCauseText ?? record.outcome },
      );
    }
    this.inChain(call, pbxId, 'ended', async () => {
      const shown = this.offers.endCall(callId);
      if (shown.length > 0) {
        await this.publisher.publish(shown, 'call:retracted', {
          callId,
          reason: record.outcome === 'answered' ? 'answered-elsewhere' : 'caller-hungup',
          answeredBy:
            record.outcome === 'answered'
              ? { extension: record.agentExtension, name: record.agentName }
              : null,
        });
      }
      if (record.outcome === 'answered') {
        await this.closeCallbacks(
          pbxId,
          record.linkedid,
          record.direction === 'outbound' ? record.toNumber : record.fromNumber,
        );
      }
      this.callbacksClosed.delete(callId);
      await this.claims.release(callId, (await this.claims.holder(callId)) ?? '');
      const userId = await this.userOf(pbxId, record.agentExtension);
      const audience = await this.agentAudience(userId);
      if (audience.length > 0) {
        const remote = record.direction === 'outbound' ? record.toNumber : record.fromNumber;
        const commEventId = await this.ports.commEvents
          .idOf({ pbxId, linkedid: record.linkedid, number: remote }, COMM_EVENT_WAIT_MS)
          .catch(() => null);
        await this.publisher.publish(audience, 'call:ended', {
          callId,
          commEventId,
          outcome: record.outcome,
          direction: record.direction,
          userId,
          remoteNumber: remote,
          startedAt: record.startedAt.toISOString(),
          endedAt: record.endedAt.toISOString(),
          waitSeconds: record.waitSeconds,
          talkSeconds: record.talkSeconds,
          recorded: record.recordingPath !== null,
        });
      }
      const task = await this.callbacks.fromEndedCall(pbxId, record);
      if (task) await this.publishCallback('callback:created', task);
    });
  }

  /** To the assignee, else to the members of the group connected to any instance. */
  private async publishCallback(
    name: 'callback:created' | 'callback:closed',
    task: CallbackTask,
  ): Promise<void> {
    if (task.assigneeUserId) await this.publisher.publish([task.assigneeUserId], name, task);
    else if (task.groupId) this.publisher.publishToRoom(rooms.group(task.groupId), name, task);
  }

  // ------------------------------------------------------------------------------ click-to-call

  advanceDial(
    dialId: string,
    state: DialState,
    cause?: { cause: number | null; causeText: string | null },
  ): DialProgress | null {
    const progress = this.dials.advance(dialId, state, cause);
    const dial = this.dials.get(dialId);
    if (progress && dial) void this.publisher.publish([dial.userId], 'dial:progress', progress);
    return progress;
  }

  // ------------------------------------------------------------------------------ agents and queues

  private agentChanged(pbxId: string, extension: string | null): void {
    if (!extension) return;
    void this.userOf(pbxId, extension).then(
      (userId) => {
        if (userId) this.agentStatusChanged(userId);
      },
      () => undefined,
    );
  }

  /** agent:status for the user and their supervisors, coalesced. */
  agentStatusChanged(userId: string): void {
    this.pendingAgentStatus.add(userId);
    if (!this.agentFlushing)
      this.agentTimer ??= setTimeout(() => void this.flushAgentStatus(), AGENT_STATUS_COALESCE_MS);
  }

  /**
   * The users whose status changed, a slice per event-loop turn: a call centre's worth of changes
   * (hundreds of agents every 250 ms in a busy hour) went out in one turn before, and an AMI
   * frame (a popup) that arrived meanwhile waited for all of it. One flush at a time; changes that
   * come in during a flush go out with the next.
   */
  private async flushAgentStatus(): Promise<void> {
    this.agentTimer = undefined;
    this.agentFlushing = true;
    const users = [...this.pendingAgentStatus];
    this.pendingAgentStatus.clear();
    for (let i = 0; i < users.length; i += AGENT_STATUS_SLICE) {
      if (i > 0) await new Promise((r) => setImmediate(r));
      await Promise.all(users.slice(i, i + AGENT_STATUS_SLICE).map((u) => this.publishAgentStatus(u)));
    }
    this.agentFlushing = false;
    if (this.pendingAgentStatus.size > 0 && !this.stopped)
      this.agentTimer ??= setTimeout(() => void this.flushAgentStatus(), AGENT_STATUS_COALESCE_MS);
  }

  private async publishAgentStatus(userId: string): Promise<void> {
    try {
      const status = await this.agents.status(userId);
      if (this.agents.changed(status))
        await this.publisher.publish(await this.agentAudience(userId), 'agent:status', status);
    } catch (e) {
      this.logger.warn({ err: e, userId }, 'Could not publish agent status');
    }
  }

  /**
   * Peers or memberships changed (over the REST API of any instance): what this instance cached
   * about those users is read again (the phones they owned, their supervisors and those they
   * supervise, their groups), everything after a change of unknown reach (a group's), and the
   * agents concerned get their new status at once. Every instance hears the change: each sends the
   * status to the users connected to it, so that nobody gets it once per instance.
   */
  private directoryChanged(users: readonly string[] | null): void {
    if (users === null) {
      this.userOfExtension.clear();
      this.supervisorsOf.clear();
      this.agents.forget(null);
    } else {
      const changed = new Set(users);
      this.userOfExtension.deleteWhere((_, owner) => owner === null || changed.has(owner));
      this.supervisorsOf.deleteWhere((agent, sups) => changed.has(agent) || sups.some((s) => changed.has(s)));
      for (const u of users) this.agents.forget(u);
    }
    const here = this.publisher.localUsersIn();
    for (const u of users ?? here) if (here.has(u)) this.agentStatusChanged(u);
  }

  private queueChanged(pbxId: string, queue: QueueState): void {
    this.pendingQueueStats.set(`${pbxId}\n${queue.queue}`, { pbxId, queue });
    this.queueTimer ??= setTimeout(() => {
      this.queueTimer = undefined;
      const all = [...this.pendingQueueStats.values()];
      this.pendingQueueStats.clear();
      for (const { pbxId: p, queue: q } of all) {
        const key = `${p}\n${q.queue}`;
        // Browsers count the longest wait up themselves (oldestWaitingSince): only real changes go out.
        const figures = `${q.callersWaiting} ${q.oldestWaitingSince?.getTime()} ${q.completed} ${q.abandoned}`;
        if (this.lastQueueFigures.get(key) === figures) continue;
        if (this.lastQueueFigures.size >= 10_000) this.lastQueueFigures.clear();
        this.lastQueueFigures.set(key, figures);
        this.publisher.publishToRoom(rooms.queue(p, q.queue), 'queue:stats', queueStats(p, q));
      }
    }, QUEUE_STATS_COALESCE_MS);
  }

  /** The state a (re)connecting operator starts from. */
  async snapshot(userId: string, displayName: string, gap: boolean): Promise<Snapshot> {
    this.agents.rememberName(userId, displayName);
    const [agent, callbacks] = await Promise.all([
      this.agents.status(userId),
      this.callbacks
        .list({ kind: 'user', role: 'operator', userId, displayName }, { status: 'open', limit: 50 })
        .then((p) => p.items)
        .catch(() => [] as CallbackTask[]),
    ]);
    // The phone as the agent's status names it (the directory view it caches), not one query more.
    const { extension, pbxId } = agent;
    // Its next ring pops up without asking the directory who owns it.
    if (extension && pbxId) this.userOfExtension.set(extensionKey(pbxId, extension), userId);
    const calls =
      extension && pbxId
        ? (this.ports.calls?.liveCalls() ?? [])
            .filter((c) => c.pbx === pbxId && c.agentExtension === extension && c.status === 'in_progress')
            .map((c) => this.answered(c.pbx, c, userId, extension))
        : [];
    const mine = new Set(agent.memberships.map((m) => `${m.pbxId}\n${m.queue}`));
    const local = (this.ports.calls?.queues() ?? []).map((q) => queueStats(q.pbxId, q));
    const followedHere = new Set(local.map((q) => `${q.pbxId}\n${q.queue}`));
    const queues = [
      ...local,
      // queues of PBXes another instance follows: their latest figures as that instance sent them
      ...this.publisher.queuesFromOtherInstances().filter((q) => !followedHere.has(`${q.pbxId}\n${q.queue}`)),
    ].filter((q) => mine.has(`${q.pbxId}\n${q.queue}`));
    return { agent, offers: this.offers.shownTo(userId), calls, queues, callbacks, gap };
  }
}

function queueStats(pbxId: string, q: QueueState): QueueStats {
  const since = q.oldestWaitingSince;
  return {
    pbxId,
    queue: q.queue,
    waiting: q.callersWaiting,
    longestWaitSeconds: since ? Math.max(0, Math.floor((Date.now() - since.getTime()) / 1000)) : 0,
    oldestWaitingSince: since ? since.toISOString() : null,
    completed: q.completed,
    abandoned: q.abandoned,
  };
}
